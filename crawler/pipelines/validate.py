"""Drop article items that would not make a valid JSON Lines row.

Validating every row with jsonschema cost a fifth of the crawl process's CPU
(an article carries ~35 teasers, each checked through ``$ref``s: ~4 ms a row).
So the published schema is compiled once into plain Python checks for the
keywords it uses (type, required, additionalProperties: false, properties,
items, local $ref, pattern, minLength, minimum, maximum, enum of strings),
with jsonschema's semantics for each; that gives the same verdict in a few
microseconds a row. A schema with any other keyword is checked by jsonschema
instead, and a row that fails gets the full ``schema_errors`` walk, for the
message. ``tests/test_validate_pipeline.py`` holds the two to the same verdicts.
"""

from __future__ import annotations

import logging
import numbers
import re
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.pipelines.jsonl import article_row
from crawler.schema import article_validator, schema_errors

logger = logging.getLogger(__name__)

Check = Callable[[Any], bool]


_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "$comment", "examples"}


class _Unsupported(Exception):
    """The schema uses a keyword the compiled check does not know: use jsonschema."""


def _is_type(value: Any, name: str) -> bool:
    """JSON Schema's types as jsonschema's Draft 2020-12 checker defines them."""
    if name == "string":
        return isinstance(value, str)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, numbers.Number)
    raise _Unsupported(f"type {name!r}")


def _type_ok(names: list[str], v: Any) -> bool:
    return any(_is_type(v, n) for n in names)


def _enum_ok(allowed: list[str | None], v: Any) -> bool:
    return (v is None or isinstance(v, str)) and v in allowed


def _required_ok(required: list[str], v: Any) -> bool:
    return not isinstance(v, dict) or all(k in v for k in required)


def _no_extra_ok(known: set[str], v: Any) -> bool:
    return not isinstance(v, dict) or known.issuperset(v)


def _properties_ok(props: dict[str, Check], v: Any) -> bool:
    if not isinstance(v, dict):
        return True
    return all(check(v[name]) for name, check in props.items() if name in v)


def _items_ok(item: Check, v: Any) -> bool:
    return not isinstance(v, list) or all(item(x) for x in v)


def _pattern_ok(rx: re.Pattern[str], v: Any) -> bool:
    return not isinstance(v, str) or rx.search(v) is not None


def _min_length_ok(n: int, v: Any) -> bool:
    return not isinstance(v, str) or len(v) >= n


def _minimum_ok(bound: float, v: Any) -> bool:
    return not _is_type(v, "number") or v >= bound


def _maximum_ok(bound: float, v: Any) -> bool:
    return not _is_type(v, "number") or v <= bound


def _all_ok(checks: list[Check], v: Any) -> bool:
    return all(check(v) for check in checks)


def _compile(schema: dict[str, Any], root: dict[str, Any]) -> Check:
    """A ``value -> bool`` function for the keywords the article schema uses."""
    checks: list[Check] = []
    for key, arg in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            prefix = "#/$defs/"
            if not arg.startswith(prefix) or arg[len(prefix) :] not in root.get("$defs", {}):
                raise _Unsupported(f"$ref {arg!r}")
            checks.append(_compile(root["$defs"][arg[len(prefix) :]], root))
        elif key == "type":
            names = [arg] if isinstance(arg, str) else list(arg)
            for name in names:
                _is_type(None, name)  # raises on an unknown type name
            checks.append(partial(_type_ok, names))
        elif key == "enum":
            if not all(e is None or isinstance(e, str) for e in arg):
                raise _Unsupported("enum of other than strings and null")
            checks.append(partial(_enum_ok, list(arg)))
        elif key == "required":
            checks.append(partial(_required_ok, list(arg)))
        elif key == "additionalProperties":
            if arg is not False or "patternProperties" in schema:
                raise _Unsupported("additionalProperties other than false")
            checks.append(partial(_no_extra_ok, set(schema.get("properties", {}))))
        elif key == "properties":
            props = {name: _compile(sub, root) for name, sub in arg.items()}
            checks.append(partial(_properties_ok, props))
        elif key == "items" and isinstance(arg, dict):
            checks.append(partial(_items_ok, _compile(arg, root)))
        elif key == "pattern":
            checks.append(partial(_pattern_ok, re.compile(arg)))
        elif key == "minLength":
            checks.append(partial(_min_length_ok, arg))
        elif key == "minimum":
            checks.append(partial(_minimum_ok, arg))
        elif key == "maximum":
            checks.append(partial(_maximum_ok, arg))
        else:
            raise _Unsupported(key)
    return checks[0] if len(checks) == 1 else partial(_all_ok, checks)


def compile_schema(schema: dict[str, Any]) -> Check:
    """A fast ``row -> bool`` for ``schema``; jsonschema's ``is_valid`` if it cannot compile."""
    try:
        return _compile(schema, schema)
    except _Unsupported as exc:
        logger.debug("Schema not compiled (%s): validating with jsonschema", exc)
        validator = article_validator().evolve(schema=schema)
        return lambda row: bool(validator.is_valid(row))


@cache
def _row_check() -> Check:
    return compile_schema(article_validator().schema)


def is_valid_row(row: dict[str, Any]) -> bool:
    """Same verdict as ``not schema_errors(row)``, about a thousand times cheaper."""
    return _row_check()(row)


class ValidateArticlePipeline:
    """Checks each ArticleItem against the published schema before it is written."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateArticlePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        row = article_row(item)
        if is_valid_row(row):
            return item
        errors = schema_errors(row)
        self.stats.inc_value("newscrawl/items/invalid")
        raise DropItem(f"invalid article {item.url}: {'; '.join(errors[:3])}")
