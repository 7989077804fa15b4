"""Items as plain JSON-ready data: dicts, lists and atoms.

Shared by the JSON Lines writer, the links metadata record and the extraction
workers, which is why it lives apart from the Scrapy pipelines.
"""

from __future__ import annotations

import copy
from dataclasses import fields, is_dataclass
from typing import Any

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_ATOMS = (str, int, float, bool, type(None))
_ATOM_TYPES = frozenset(_ATOMS)  # exact types: answered without a call


def as_plain(value: Any) -> Any:
    """``dataclasses.asdict`` for the items' shapes, without its deep copies."""
    if isinstance(value, _ATOMS):
        return value
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    atoms = _ATOM_TYPES
    if names is not None:
        plain = {}
        for name in names:
            v = getattr(value, name)
            plain[name] = v if type(v) in atoms else as_plain(v)
        return plain
    if isinstance(value, list):
        return [v if type(v) in atoms else as_plain(v) for v in value]
    if isinstance(value, tuple):
        return kind(as_plain(v) for v in value)
    if isinstance(value, dict):
        return {as_plain(k): as_plain(v) for k, v in value.items()}
    return copy.deepcopy(value)
