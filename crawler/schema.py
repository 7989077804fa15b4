"""The JSON Lines article schema: loading it and validating rows against it."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

SCHEMA_RESOURCE = "schemas/article.schema.json"


@cache
def article_schema() -> dict[str, Any]:
    """The JSON Schema of one JSONL row (shipped inside the package)."""
    text = resources.files("crawler").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return dict(json.loads(text))


@cache
def article_validator() -> Draft202012Validator:
    """jsonschema's validator: the reference, and the one that explains errors."""
    return Draft202012Validator(article_schema())


@cache
def fast_validator() -> Callable[[Any], Any]:
    """fastjsonschema's compiled check, for every row a crawl writes.

    fastjsonschema knows drafts 4-7; the schema uses only keywords that mean
    the same in draft 7 and 2020-12 (``$defs`` is only where ``$ref``s point),
    so it is compiled as draft 7.
    """
    schema = {**article_schema(), "$schema": "http://json-schema.org/draft-07/schema#"}
    return fastjsonschema.compile(schema)


def schema_errors(row: dict[str, Any]) -> list[str]:
    """Human-readable problems with ``row``; empty when it is valid."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(row)'}: {err.message}"
        for err in article_validator().iter_errors(row)
    ]
