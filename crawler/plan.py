"""The crawl plan: which news sources to crawl, how often and how politely (TOML).

``newscrawl run``/``schedule`` read it, so it is validated completely up front:
a typo found at 3 a.m. by cron is worth nothing. Every error names the file,
the line and the dotted key (``plan.toml:12: source.ledger.interval: ...``),
and unknown keys get a "did you mean" from the known ones. Stdlib only.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Plan", "PlanError", "Politeness", "Source", "load_plan", "parse_duration"]

DEFAULT_OUTPUT = "output"
TOP_KEYS = ("output", "settings", "source")
SOURCE_KEYS = (
    "name",
    "start_urls",
    "feeds",
    "sitemaps",
    "allowed_domains",
    "interval",
    "max_age",
    "live_blog",
    "politeness",
)
POLITENESS_KEYS = ("concurrency", "delay", "obey_robots")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SETTING = re.compile(r"[A-Z][A-Z0-9_]*")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


@dataclass(frozen=True)
class Politeness:
    """Per-source overrides; None keeps the crawl-wide setting."""

    concurrency: int | None = None  # requests in flight to the source at most
    delay: float | None = None  # seconds between requests to the source
    obey_robots: bool | None = None


@dataclass(frozen=True)
class Source:
    """One news site (or part of one) and how it is crawled."""

    name: str
    start_urls: tuple[str, ...]
    feeds: tuple[str, ...]
    sitemaps: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    interval: timedelta  # the source falls due this long after its last pass
    max_age: timedelta | None  # sitemap/feed entries older than this are not fetched
    live_blog: tuple[re.Pattern[str], ...]  # URLs matching (re.search) are refetched every pass
    politeness: Politeness = field(default_factory=Politeness)


@dataclass(frozen=True)
class Plan:
    """A loaded plan: output directory (absolute), crawl-wide settings and the sources."""

    path: Path
    output: Path
    settings: dict[str, object]
    sources: tuple[Source, ...]

    def source(self, name: str) -> Source:
        """The source called ``name``; KeyError if there is none."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


class PlanError(ValueError):
    """A plan problem, located: ``str()`` is "plan.toml:12: source.x.interval: message"."""

    def __init__(self, path: str | Path, line: int | None, key: str | None, message: str) -> None:
        self.path, self.line, self.key, self.message = str(path), line, key, message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


def parse_duration(text: str) -> timedelta:
    """ "90s", "15m", "2h", "1d", "1w", also "1h30m" -> timedelta; ValueError otherwise."""
    compact = text.strip().lower() if isinstance(text, str) else ""
    if not _DURATION.fullmatch(compact):
        raise ValueError(f"expected a duration like '15m', got {_show(text)}")
    seconds = sum(float(n) * _UNITS[unit] for n, unit in _DURATION_PART.findall(compact))
    return timedelta(seconds=seconds)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- locating keys in the source text ------------------------------------------------
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]#]+?)\s*\]\]?")


class _Lines:
    """Finds the line of a key inside the right table of the TOML text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.regions: dict[tuple[object, ...], list[int]] = {}  # table -> its line numbers
        table: tuple[object, ...] = ("top",)
        sources = 0
        for number, line in enumerate(self.lines, start=1):
            header = _HEADER.match(line)
            if header:
                brackets, name = header.groups()
                dotted = tuple(part.strip().strip("\"'") for part in name.split("."))
                if brackets == "[[" and dotted == ("source",):
                    sources += 1
                    table = ("source", sources)
                elif dotted[0] == "source" and len(dotted) > 1 and sources:
                    table = ("source", sources, *dotted[1:])
                else:
                    table = dotted
            self.regions.setdefault(table, []).append(number)

    def find(self, table: tuple[object, ...], key: str | None, value: object = None) -> int | None:
        """Line of ``key`` (or of ``value``'s text after it) in ``table``; else the table's."""
        numbers = self.regions.get(table) or []
        if key is None:
            return numbers[0] if numbers else None
        pattern = re.compile(rf"^\s*(?:[\w\"'-]+\s*\.\s*)*[\"']?{re.escape(key)}[\"']?\s*[=.]")
        found = next((n for n in numbers if pattern.match(self.lines[n - 1])), None)
        if found is None:
            sub = (key,) if table == ("top",) else (*table, key)
            if sub in self.regions:  # the key is a table of its own: [[sources]], [settings]
                return self.regions[sub][0]
            if len(table) > 2:  # `politeness = {delay = -1}` inside [[source]]
                return self.find(table[:-1], str(table[-1]))
            return numbers[0] if numbers else None
        if isinstance(value, str) and value:
            forms = (value, value.replace("\\", "\\\\"))  # as written in a "basic" TOML string
            after = (
                n for n in numbers if n >= found and any(f in self.lines[n - 1] for f in forms)
            )
            return next(after, found)
        return found


# -- validation -----------------------------------------------------------------------
class _Checker:
    """Turns the decoded TOML into a Plan, raising the first PlanError in file order."""

    def __init__(self, path: Path, shown: str, text: str) -> None:
        self.path, self.shown, self.lines = path, shown, _Lines(text)

    def fail(
        self,
        table: tuple[object, ...],
        key: str | None,
        label: str,
        message: str,
        value: object = None,
    ) -> PlanError:
        return PlanError(self.shown, self.lines.find(table, key, value), label, message)

    def unknown(
        self, data: dict[str, Any], known: tuple[str, ...], table: tuple[object, ...], prefix: str
    ) -> None:
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
                label = f"{prefix}.{key}" if prefix else key
                raise self.fail(table, key, label, f"unknown key {key!r}{hint}")

    def strings(
        self, table: tuple[object, ...], data: dict[str, Any], key: str, label: str
    ) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]  # a single string where a list was meant is unambiguous
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(table, key, label, f"expected a list of strings, got {_show(value)}")
        return tuple(v.strip() for v in value)

    def urls(
        self, table: tuple[object, ...], data: dict[str, Any], key: str, label: str
    ) -> tuple[str, ...]:
        out = self.strings(table, data, key, label)
        for url in out:
            try:
                parts = urlsplit(url)
                ok = parts.scheme in ("http", "https") and bool(parts.hostname)
                ok = ok and not re.search(r"\s", url) and (parts.port or 1) > 0
            except ValueError:
                ok = False
            if not ok:
                message = f"expected an http(s) URL with a host, got {_show(url)}"
                raise self.fail(table, key, label, message, url)
        return tuple(dict.fromkeys(out))

    def duration(self, table: tuple[object, ...], value: object, key: str, label: str) -> timedelta:
        try:
            parsed = parse_duration(value)  # type: ignore[arg-type]
        except ValueError as exc:
            raise self.fail(table, key, label, str(exc), value) from None
        if parsed <= timedelta(0):
            raise self.fail(table, key, label, f"must be longer than 0, got {_show(value)}", value)
        return parsed

    def politeness(self, table: tuple[object, ...], raw: object, prefix: str) -> Politeness:
        label = f"{prefix}.politeness"
        sub = (*table, "politeness")
        if not isinstance(raw, dict):
            raise self.fail(table, "politeness", label, f"expected a table, got {_show(raw)}")
        self.unknown(raw, POLITENESS_KEYS, sub, label)
        concurrency, delay, robots = (
            raw.get("concurrency"),
            raw.get("delay"),
            raw.get("obey_robots"),
        )
        if concurrency is not None and (type(concurrency) is not int or concurrency < 1):
            message = f"expected a whole number of at least 1, got {_show(concurrency)}"
            raise self.fail(sub, "concurrency", f"{label}.concurrency", message)
        if delay is not None and (type(delay) not in (int, float) or not 0 <= delay < 86400):
            message = f"expected seconds as a number >= 0, got {_show(delay)}"
            raise self.fail(sub, "delay", f"{label}.delay", message)
        if robots is not None and not isinstance(robots, bool):
            raise self.fail(
                sub,
                "obey_robots",
                f"{label}.obey_robots",
                f"expected true or false, got {_show(robots)}",
            )
        return Politeness(concurrency, None if delay is None else float(delay), robots)

    def source(self, index: int, raw: object, seen: set[str]) -> Source:
        table: tuple[object, ...] = ("source", index)
        prefix = f"source[{index}]"
        if not isinstance(raw, dict):
            raise self.fail(table, None, prefix, "expected a [[source]] table")
        name = raw.get("name")
        if isinstance(name, str) and _NAME.fullmatch(name):
            prefix = f"source.{name}"
        self.unknown(raw, SOURCE_KEYS, table, prefix)
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            message = (
                "missing (every source needs a name)"
                if name is None
                else f"expected a name of letters, digits, '.', '_' or '-', got {_show(name)}"
            )
            raise self.fail(table, "name" if name is not None else None, f"{prefix}.name", message)
        if name in seen:
            raise self.fail(table, "name", f"{prefix}.name", f"duplicate source name {name!r}")
        seen.add(name)
        start = self.urls(table, raw, "start_urls", f"{prefix}.start_urls")
        feeds = self.urls(table, raw, "feeds", f"{prefix}.feeds")
        sitemaps = self.urls(table, raw, "sitemaps", f"{prefix}.sitemaps")
        if not (start or feeds or sitemaps):
            message = "a source needs start_urls (or at least feeds or sitemaps)"
            raise self.fail(table, "start_urls", f"{prefix}.start_urls", message)
        domains = self.strings(table, raw, "allowed_domains", f"{prefix}.allowed_domains")
        for domain in domains:
            if not _DOMAIN.fullmatch(domain.lower().lstrip(".")):
                message = f"expected a host name like 'news.example', got {_show(domain)}"
                raise self.fail(
                    table, "allowed_domains", f"{prefix}.allowed_domains", message, domain
                )
        if not domains:
            hosts = (urlsplit(u).hostname or "" for u in start or (*sitemaps, *feeds))
            domains = tuple(dict.fromkeys(h for h in hosts if h))
        if "interval" not in raw:
            raise self.fail(
                table,
                None,
                f"{prefix}.interval",
                "missing (how often the source falls due, e.g. '15m')",
            )
        interval = self.duration(table, raw["interval"], "interval", f"{prefix}.interval")
        max_age = None
        if "max_age" in raw:
            max_age = self.duration(table, raw["max_age"], "max_age", f"{prefix}.max_age")
        patterns = []
        for text in self.strings(table, raw, "live_blog", f"{prefix}.live_blog"):
            try:
                patterns.append(re.compile(text))
            except re.error as exc:
                message = f"bad regular expression {_show(text)}: {exc}"
                raise self.fail(table, "live_blog", f"{prefix}.live_blog", message, text) from None
        polite = self.politeness(table, raw.get("politeness", {}), prefix)
        return Source(
            name=name,
            start_urls=start,
            feeds=feeds,
            sitemaps=sitemaps,
            allowed_domains=tuple(d.lower().lstrip(".") for d in domains),
            interval=interval,
            max_age=max_age,
            live_blog=tuple(patterns),
            politeness=polite,
        )

    def plan(self, data: dict[str, Any]) -> Plan:
        top: tuple[object, ...] = ("top",)
        self.unknown(data, TOP_KEYS, top, "")
        output = data.get("output", DEFAULT_OUTPUT)
        if not isinstance(output, str) or not output.strip():
            raise self.fail(top, "output", "output", f"expected a folder path, got {_show(output)}")
        settings = data.get("settings", {})
        if not isinstance(settings, dict):
            raise self.fail(top, "settings", "settings", "expected a [settings] table")
        for key in settings:
            if not _SETTING.fullmatch(key):
                message = f"setting names are UPPER_CASE (Scrapy style), got {key!r}"
                raise self.fail(("settings",), key, f"settings.{key}", message)
        raw_sources = data.get("source")
        if raw_sources is None:
            raise PlanError(self.shown, None, None, "no sources: add at least one [[source]] table")
        if not isinstance(raw_sources, list):
            raise self.fail(("source",), None, "source", "expected [[source]] tables, not [source]")
        seen: set[str] = set()
        sources = tuple(self.source(i, raw, seen) for i, raw in enumerate(raw_sources, start=1))
        if not sources:
            raise PlanError(
                self.shown, None, "source", "no sources: add at least one [[source]] table"
            )
        folder = self.path.parent
        return Plan(self.path, (folder / Path(output).expanduser()).resolve(), settings, sources)


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; PlanError (a ValueError) says where it is wrong."""
    shown = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise PlanError(shown, None, None, f"cannot read the plan: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PlanError(shown, None, None, "the plan is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.search(str(exc))
        line = int(found.group(1)) if found and found.group(1) else len(text.splitlines()) or 1
        raise PlanError(shown, line, None, f"TOML syntax error: {exc}") from None
    return _Checker(Path(path).resolve(), shown, text).plan(data)
