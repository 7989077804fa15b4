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
    utc = dt.astimezone(UTC)
    if utc.year < 1000:  # strftime writes such years unpadded ("999-..."), isoformat pads
        return utc.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # half strftime's cost


def _naive_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


# Two probe anchors for learning what a text means: different weekdays, times of
# day and month lengths, so "Monday" or "May 22" read differently from each. A
# text read as the same offset from both is a fixed offset only below four weeks:
# longer ones may be calendar months or years, which two probes can't tell apart
# from fixed days for every count (leap days), so those are read per fetch time.
_PROBES = (datetime(2001, 5, 15, 12, 0, 0), datetime(2004, 11, 20, 17, 31, 7))
_MAX_FIXED_OFFSET = timedelta(days=28)


@lru_cache(maxsize=32)
def _parser(languages: tuple[str, ...], base: datetime) -> DateDataParser:
    """One parser per (languages, anchor): cheap to build, reused for a page's teasers."""
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


def _parse(text: str, languages: tuple[str, ...], base: datetime) -> datetime | None:
    """dateparser's reading of ``text`` at ``base`` (naive UTC), as naive UTC."""
    try:
        parser = _parser(languages, base)
    except ValueError:  # a language dateparser does not know
        parser = _parser(DEFAULT_LANGUAGES, base)
    found = parser.get_date_data(text).date_obj
    if found is None:
        return None
    return found.astimezone(UTC).replace(tzinfo=None) if found.tzinfo else found


@lru_cache(maxsize=4096)
def _meaning(text: str, languages: tuple[str, ...]) -> tuple[str, timedelta | datetime | None]:
    """What ``text`` means independent of when it is read, learnt once per text.

    ("offset", delta) for texts that mean "delta before the anchor", ("instant", t)
    for a fixed time, ("none", None) for no time at all, and ("anchored", None) for
    the rest ("1 month ago", "Monday", "May 22"), which dateparser reads against
    each fetch time. Teaser times repeat endlessly across a crawl ("2 hours ago"),
    and dateparser costs about a millisecond a call.
    """
    first, second = (_parse(text, languages, probe) for probe in _PROBES)
    if first is None and second is None:
        return "none", None
    if first is None or second is None:
        return "anchored", None
    if first == second:
        return "instant", first
    offset = _PROBES[0] - first
    if offset == _PROBES[1] - second and timedelta(0) <= offset < _MAX_FIXED_OFFSET:
        return "offset", offset
    return "anchored", None


def _languages(languages: Sequence[str] | None) -> tuple[str, ...]:
    return _language_order(tuple(languages) if languages else ())


@lru_cache(maxsize=64)  # asked for every teaser time, with a page's one language
def _language_order(languages: tuple[str, ...]) -> tuple[str, ...]:
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
        kind, value = _meaning(cleaned, langs)
        if kind == "offset" and isinstance(value, timedelta):
            found: datetime | None = base - value
        elif kind == "instant" and isinstance(value, datetime):
            found = value
        elif kind == "anchored":
            found = _parse(cleaned, langs, base)
        else:
            found = None
    except Exception:  # dateparser raises assorted errors on odd input; a time is optional
        return None
    if found is None:
        return None
    resolved = found.replace(tzinfo=UTC)
    anchor = base.replace(tzinfo=UTC)
    if resolved > anchor:
        return anchor if resolved - anchor < FUTURE_TOLERANCE else None
    return resolved
