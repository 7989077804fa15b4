"""Relative and absolute teaser times ("8 mins ago", "vor 5 Minuten") resolved to UTC.

News pages write teaser times relative to when the page was rendered, so the only
sound anchor is the fetch time. dateparser does the multilingual work; this module
wraps it so callers get an aware UTC datetime or None, never an exception.

Future results: a resolved time later than ``fetched_at`` is impossible for a
published teaser. Less than ``FUTURE_TOLERANCE`` ahead (one day: a page in UTC+14
that prints a bare date, a clock a little ahead) it is clamped to ``fetched_at``;
anything further ahead ("tomorrow", a misparsed "2030") is None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from dateparser.date import DateDataParser

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
FUTURE_TOLERANCE = timedelta(days=1)
_MAX_TEXT = 80  # teaser times are short; long text is never a time and slow to parse

_UNIT = (
    r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mos?|months?"
    r"|y|yrs?|years?"
    r"|sek\.?|sekunden?|min\.?|minuten?|std\.?|stunden?|tag(?:en?)?|wochen?|monat(?:en?)?"
    r"|jahr(?:en?)?"
    r"|secondes?|heures?|jours?|semaines?|mois|ans?|j"
    r"|segundos?|minutos?|horas?|d[ií]as?|semanas?|mes(?:es)?|años?)"
)
_NUM = r"(?:\d+|an?|one|eine[mrn]?|einer|une?|una?)"
_RELATIVE_RE = re.compile(
    rf"""^\s*(?:
        {_NUM}\s*{_UNIT}\.?\s+ago
      | vor\s+{_NUM}\s*{_UNIT}
      | il\s+y\s+a\s+{_NUM}\s*{_UNIT}
      | hace\s+{_NUM}\s*{_UNIT}
      | just\s+now | now | today | yesterday
      | gerade\s+eben | soeben | heute | gestern
      | [àa]\s+l'instant | aujourd'hui | hier
      | ahora(?:\s+mismo)? | hoy | ayer
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_ABBREVIATIONS = {"wk": "week", "wks": "weeks", "yr": "year", "yrs": "years"}
_ABBREV_RE = re.compile(r"\b(" + "|".join(_ABBREVIATIONS) + r")\b", re.IGNORECASE)


def is_relative_time(text: str) -> bool:
    """Cheap check that ``text`` reads as a relative time, before paying for dateparser."""
    if not text or len(text) > _MAX_TEXT:
        return False
    return _RELATIVE_RE.match(" ".join(text.split())) is not None


def to_utc_iso(dt: datetime) -> str:
    """``2024-05-22T09:14:00Z`` for aware datetimes; naive ones are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _naive_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


@lru_cache(maxsize=32)
def _parser(languages: tuple[str, ...], base: datetime) -> DateDataParser:
    """One parser per (languages, fetch time): cheap to build, reused for a page's teasers."""
    return DateDataParser(
        languages=list(languages),
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": "UTC",
            "TO_TIMEZONE": "UTC",
        },
    )


def _languages(languages: Sequence[str] | None) -> tuple[str, ...]:
    if not languages:
        return DEFAULT_LANGUAGES
    primary = [lang.split("-")[0].split("_")[0].lower() for lang in languages if lang]
    ordered = dict.fromkeys([*primary, *DEFAULT_LANGUAGES])
    return tuple(lang for lang in ordered if lang.isalpha() and len(lang) in (2, 3))


def resolve_relative_time(
    text: str, fetched_at: datetime, languages: Sequence[str] | None = None
) -> datetime | None:
    """Aware UTC datetime that ``text`` means when read at ``fetched_at``; None if unknown.

    ``fetched_at`` may be aware (any zone) or naive UTC. Never raises, never returns a
    time after ``fetched_at`` (see the module docstring for the clamp rule).
    """
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > _MAX_TEXT:
        return None
    cleaned = _ABBREV_RE.sub(lambda m: _ABBREVIATIONS[m.group(1).lower()], cleaned)
    try:
        base = _naive_utc(fetched_at).replace(microsecond=0)
        langs = _languages(languages)
        try:
            parser = _parser(langs, base)
        except ValueError:  # a language dateparser does not know
            parser = _parser(DEFAULT_LANGUAGES, base)
        found = parser.get_date_data(cleaned).date_obj
    except Exception:  # dateparser raises assorted errors on odd input; a time is optional
        return None
    if found is None:
        return None
    resolved = found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)
    anchor = base.replace(tzinfo=UTC)
    if resolved > anchor:
        return anchor if resolved - anchor < FUTURE_TOLERANCE else None
    return resolved
