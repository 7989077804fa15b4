"""The demo site's newsroom: publish new articles and edit existing ones.

Incremental-crawl tests need a site that changes between runs. These pure
functions take one :class:`DemoSite` snapshot and return the next one; the
server swaps snapshots under its lock, so a crawler never sees half an update.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from crawler.demo.content import (
    DemoArticle,
    DemoAuthor,
    DemoTeaser,
    Template,
    _article_path,
    section_slug,
    teaser_block_label,
)
from crawler.demo.site import DemoSite

Clock = Callable[[], datetime]
DEFAULT_TEASERS = 3  # newest articles of the section, when a publish names none
EXCERPT_WORDS = 12


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_z(stamp: datetime) -> str:
    """The content file's stamp format: whole seconds, UTC, "Z" suffix."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slugify(text: str) -> str:
    """URL slug of a headline: lowercase ASCII words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")
    return slug or "story"


def relative_time(delta: timedelta) -> str:
    """Teaser time text as news sites write it ("15 seconds ago", "3 hours ago")."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return f"{seconds} seconds ago"


def _check_text(title: str, paragraphs: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    if isinstance(paragraphs, str) or not paragraphs:
        raise ValueError("paragraphs must be a non-empty sequence of strings")
    cleaned = tuple(p.strip() for p in paragraphs)
    if not title.strip() or not all(cleaned):
        raise ValueError("title and every paragraph must be non-empty")
    return title.strip(), cleaned


def _section(site: DemoSite, section: str) -> str:
    for name in site.sections:
        if section.strip().lower() in (name.lower(), section_slug(name)):
            return name
    raise ValueError(f"unknown section {section!r}; one of {', '.join(site.sections)}")


def _author(site: DemoSite, section: str, name: str | None) -> tuple[DemoAuthor, bool]:
    """Known author by name or slug (default: the section's latest byline), else a new one."""
    if name is None:
        latest = site.articles_in(section)
        name = latest[0].author if latest else site.authors[0].name
    for author in site.authors:
        if name in (author.name, author.slug):
            return author, False
    return DemoAuthor(name, slugify(name), f"{name} writes for {site.name}."), True


def _default_teasers(site: DemoSite, section: str, now: datetime) -> tuple[DemoTeaser, ...]:
    picked = site.articles_in(section)[:DEFAULT_TEASERS]
    return tuple(
        DemoTeaser(
            a.path,
            a.title,
            " ".join(a.paragraphs[0].split()[:EXCERPT_WORDS]) + "…",
            relative_time(now - a.published_at),
            False,
        )
        for a in picked
    )


def _teasers(
    site: DemoSite, given: Sequence[DemoTeaser | str], now: datetime
) -> tuple[DemoTeaser, ...]:
    """Teasers as given; a plain string names an article of the site by path or URL."""
    out = []
    for item in given:
        if isinstance(item, DemoTeaser):
            out.append(item)
            continue
        target = site.article_by_path(item)
        excerpt = " ".join(target.paragraphs[0].split()[:EXCERPT_WORDS]) + "…"
        ago = relative_time(now - target.published_at)
        out.append(DemoTeaser(target.path, target.title, excerpt, ago, False))
    return tuple(out)


def _snapshot(
    site: DemoSite, articles: Sequence[DemoArticle], authors: Sequence[DemoAuthor]
) -> DemoSite:
    ordered = sorted(articles, key=lambda a: (a.published, a.slug), reverse=True)
    return DemoSite(replace(site.content, articles=tuple(ordered), authors=tuple(authors)))


def publish(
    site: DemoSite,
    section: str,
    title: str,
    paragraphs: Sequence[str],
    *,
    now: datetime,
    author: str | None = None,
    tags: Sequence[str] = (),
    teasers: Sequence[DemoTeaser | str] | None = None,
    description: str | None = None,
) -> tuple[DemoSite, DemoArticle]:
    """The next snapshot with a new article published at ``now`` in ``section``'s template."""
    title, body = _check_text(title, paragraphs)
    name = _section(site, section)
    stamp = iso_z(now)
    base = slug = slugify(title)
    taken = {a.slug for a in site.articles}
    serial = 2
    while slug in taken:
        slug, serial = f"{base}-{serial}", serial + 1
    template: Template = next((a.template for a in site.articles_in(name)), "wordpress")
    byline, is_new = _author(site, name, author)
    path = _article_path(name, stamp, slug)
    article = DemoArticle(
        slug=slug,
        section=name,
        path=path,
        title=title,
        author=byline.name,
        published=stamp,
        description=description or body[0].split(". ")[0].rstrip(".") + ".",
        tags=tuple(tags),
        paragraphs=body,
        template=template,
        teaser_block_label=teaser_block_label(template, name),
        teasers=(
            _default_teasers(site, name, now) if teasers is None else _teasers(site, teasers, now)
        ),
        modified=stamp,
        image=f"/images/{stamp[:4]}/{stamp[5:7]}/{slug}.jpg",
        author_slug=byline.slug,
        post_id=max((a.post_id for a in site.articles), default=999) + 1,
    )
    authors = [*site.authors, byline] if is_new else site.authors
    return _snapshot(site, [article, *site.articles], authors), article


def edit(
    site: DemoSite,
    path: str,
    *,
    now: datetime,
    title: str | None = None,
    paragraphs: Sequence[str] | None = None,
    description: str | None = None,
) -> tuple[DemoSite, DemoArticle]:
    """The next snapshot with one article changed; its modified time moves forward.

    The new modified time is ``now``, but always at least a second after the old one,
    so every edit is visible in sitemaps, feeds and Last-Modified even on a fast clock.
    """
    old = site.article_by_path(path)
    new_title, body = _check_text(
        old.title if title is None else title,
        old.paragraphs if paragraphs is None else paragraphs,
    )
    stamp = max(now.astimezone(UTC), old.modified_at + timedelta(seconds=1))
    article = replace(
        old,
        title=new_title,
        paragraphs=body,
        description=old.description if description is None else description,
        modified=iso_z(stamp),
    )
    articles = [article if a.path == old.path else a for a in site.articles]
    return _snapshot(site, articles, site.authors), article
