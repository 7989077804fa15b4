"""The JSON Lines article schema: loading it and validating rows against it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_RESOURCE = "schemas/article.schema.json"


@cache
def article_validator() -> Draft202012Validator:
    """The validator for one JSONL row (schema shipped inside the package)."""
    text = resources.files("crawler").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def schema_errors(row: dict[str, Any]) -> list[str]:
    """Human-readable problems with ``row``; empty when it is valid."""
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(row)'}: {err.message}"
        for err in article_validator().iter_errors(row)
    ]
