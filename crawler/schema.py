"""The JSON Lines article schema: loading it and validating rows against it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_RESOURCE = "schemas/article.schema.json"


@cache
def article_schema() -> dict[str, Any]:
    """The JSON Schema of one JSONL row (shipped inside the package)."""
    text = resources.files("crawler").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return dict(json.loads(text))


@cache
def article_validator() -> Draft202012Validator:
    """jsonschema's validator: the reference, and the one that explains errors.

    Imported on first use: a crawl checks its rows with ``fast_validator`` and
    needs this one only to explain a row that fails (~80 ms of start-up saved).
    """
    from jsonschema import Draft202012Validator

    return Draft202012Validator(article_schema())


_LOCAL_DEF = "#/$defs/"


def inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/NAME"}`` replaced by that definition.

    The same constraints, spelt out in place: 2020-12 applies a ``$ref``'s
    sibling keywords too, so they are kept beside the definition's (in an
    ``allOf`` should both name the same keyword). Other references are left
    as they are.
    """
    if isinstance(node, list):
        return [inline_refs(value, defs) for value in node]
    if not isinstance(node, dict):
        return node
    out = {key: inline_refs(value, defs) for key, value in node.items() if key != "$defs"}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(_LOCAL_DEF) and ref[len(_LOCAL_DEF) :] in defs:
        target = inline_refs(defs[ref[len(_LOCAL_DEF) :]], defs)
        del out["$ref"]
        if not out:
            return target
        if out.keys() & target.keys():
            return {"allOf": [target, out]}
        return {**target, **out}
    if "$defs" in node:  # a copy: fastjsonschema rewrites the schema it compiles
        out["$defs"] = copy.deepcopy(node["$defs"])
    return out


@cache
def fast_validator() -> Callable[[Any], Any]:
    """fastjsonschema's compiled check, for every row a crawl writes.

    fastjsonschema knows drafts 4-7; the schema uses only keywords that mean
    the same in draft 7 and 2020-12 (``$defs`` is only where ``$ref``s point),
    so it is compiled as draft 7. The ``$ref``s are inlined first: fastjsonschema
    makes a function of each definition and calls it per use, with the item's
    path formatted from ``locals()`` for every teaser, which was two thirds of
    a row's check (~200 us for ~35 teasers, ~75 us inlined).
    """
    schema = article_schema()
    inlined = inline_refs(schema, schema.get("$defs", {}))
    inlined["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(inlined)


def schema_errors(row: dict[str, Any]) -> list[str]:
    """Human-readable problems with ``row``; empty when it is valid."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(row)'}: {err.message}"
        for err in article_validator().iter_errors(row)
    ]
