"""Relative teaser times resolved against the fetch time (crawler/reltime.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.reltime import is_relative_time, resolve_relative_time, to_utc_iso

FETCHED = datetime(2024, 5, 22, 9, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        pytest.param("15 seconds ago", None, "2024-05-22T09:13:45Z", id="en-seconds"),
        pytest.param("8 mins ago", None, "2024-05-22T09:06:00Z", id="en-mins"),
        pytest.param("2 hours ago", None, "2024-05-22T07:14:00Z", id="en-hours"),
        pytest.param("an hour ago", None, "2024-05-22T08:14:00Z", id="en-an-hour"),
        pytest.param("yesterday", None, "2024-05-21T09:14:00Z", id="en-yesterday"),
        pytest.param("1 day ago", None, "2024-05-21T09:14:00Z", id="en-day"),
        pytest.param("3 wks ago", None, "2024-05-01T09:14:00Z", id="en-wks-abbrev"),
        pytest.param("vor 5 Minuten", ["de"], "2024-05-22T09:09:00Z", id="de-minutes"),
        pytest.param("vor 2 Stunden", None, "2024-05-22T07:14:00Z", id="de-hours-any-lang"),
        pytest.param("gestern", ["de"], "2024-05-21T09:14:00Z", id="de-yesterday"),
        pytest.param("il y a 2 heures", ["fr"], "2024-05-22T07:14:00Z", id="fr-hours"),
        pytest.param("il y a 30 minutes", None, "2024-05-22T08:44:00Z", id="fr-minutes"),
        pytest.param("hace 3 horas", ["es"], "2024-05-22T06:14:00Z", id="es-hours"),
        pytest.param("May 22, 2024", None, "2024-05-22T00:00:00Z", id="abs-en"),
        pytest.param("11 April 2019", None, "2019-04-11T00:00:00Z", id="abs-day-month"),
        pytest.param("2024-05-22T10:00:00+02:00", None, "2024-05-22T08:00:00Z", id="abs-iso-tz"),
        pytest.param("May 23, 2024", None, "2024-05-22T09:14:00Z", id="clamp-next-day-date"),
        pytest.param("tomorrow", None, None, id="future-tomorrow-none"),
        pytest.param("May 22, 2030", None, None, id="future-year-none"),
        pytest.param("not a time at all", None, None, id="garbage"),
        pytest.param("", None, None, id="empty"),
    ],
)
def test_resolve(text: str, languages: list[str] | None, expected: str | None) -> None:
    resolved = resolve_relative_time(text, FETCHED, languages)
    assert (to_utc_iso(resolved) if resolved else None) == expected


def test_naive_and_other_zone_fetch_times_agree() -> None:
    cest = timezone(timedelta(hours=2))
    naive = resolve_relative_time("8 mins ago", datetime(2024, 5, 22, 9, 14))
    aware = resolve_relative_time("8 mins ago", datetime(2024, 5, 22, 11, 14, tzinfo=cest))
    assert naive == aware == datetime(2024, 5, 22, 9, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("8 mins ago", True, id="en"),
        pytest.param("15 seconds ago", True, id="en-seconds"),
        pytest.param("2h ago", True, id="en-short"),
        pytest.param("Yesterday", True, id="en-yesterday"),
        pytest.param("vor 5 Minuten", True, id="de"),
        pytest.param("vor einer Stunde", True, id="de-one"),
        pytest.param("il y a 2 heures", True, id="fr"),
        pytest.param("hace 3 horas", True, id="es"),
        pytest.param("May 22, 2024", False, id="absolute"),
        pytest.param("Persecution of foreigners escalates", False, id="headline"),
        pytest.param("8 mins ago " * 20, False, id="too-long"),
    ],
)
def test_is_relative_time(text: str, expected: bool) -> None:
    assert is_relative_time(text) is expected


def test_to_utc_iso_converts_and_assumes_utc_for_naive() -> None:
    cest = timezone(timedelta(hours=2))
    assert to_utc_iso(datetime(2024, 5, 22, 11, 14, 5, 123, tzinfo=cest)) == "2024-05-22T09:14:05Z"
    assert to_utc_iso(datetime(2024, 5, 22, 9, 14)) == "2024-05-22T09:14:00Z"


_fetch_times = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
_time_like = st.one_of(
    st.text(max_size=60),
    st.builds(
        "{} {} ago".format,
        st.integers(min_value=-5, max_value=10**6),
        st.sampled_from(["seconds", "mins", "hours", "days", "weeks", "months", "years"]),
    ),
    st.sampled_from(["tomorrow", "in 3 days", "next week", "dans 2 heures", "in 5 Minuten"]),
)


@settings(max_examples=200, deadline=None)
@given(text=_time_like, fetched_at=_fetch_times)
def test_never_raises_and_never_in_the_future(text: str, fetched_at: datetime) -> None:
    resolved = resolve_relative_time(text, fetched_at)
    assert resolved is None or (resolved.tzinfo is not None and resolved <= fetched_at)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_is_relative_time_never_raises(text: str) -> None:
    assert isinstance(is_relative_time(text), bool)


_REPEATED_TEXTS = [
    "8 mins ago",
    "2 hours ago",
    "yesterday",
    "1 month ago",
    "2 years ago",
    "3 weeks ago",
    "vor 2 Stunden",
    "il y a 3 mois",
    "hace 1 año",
    "Monday",
    "May 22",
    "May 22, 2024",
    "today",
    "nonsense words",
]


@settings(max_examples=60, deadline=None)
@given(
    text=st.sampled_from(_REPEATED_TEXTS),
    fetched=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31)),
)
def test_learnt_meaning_matches_a_fresh_parse_at_every_fetch_time(
    text: str, fetched: datetime
) -> None:
    """The per-text cache (offsets, instants) never changes what a text resolves to."""
    from crawler.reltime import _languages, _parse

    fetched = fetched.replace(microsecond=0)
    direct = _parse(text, _languages(None), fetched)
    resolved = resolve_relative_time(text, fetched)
    if direct is None or direct > fetched:
        assert resolved is None or resolved == fetched.replace(tzinfo=UTC)
    else:
        assert resolved == direct.replace(tzinfo=UTC)
