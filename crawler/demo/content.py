"""Source data of the demo site: typed records parsed from ``content/articles.json``.

The JSON file is the single source of truth. Everything the end-to-end tests
compare against (titles, paragraphs, teaser targets and their relative time
text) is read from it here, so pages and expectations can never drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

CONTENT_FILE = Path(__file__).parent / "content" / "articles.json"

Template = Literal["wordpress", "jsonld", "breadcrumb"]
TEMPLATES: tuple[Template, ...] = ("wordpress", "jsonld", "breadcrumb")
BODY_SEPARATOR = "\n"  # DemoArticle.body: one paragraph per line, like the crawler's JSONL body


def section_slug(section: str) -> str:
    """URL segment of a section: lowercase display name ("World" -> "world")."""
    return section.lower()


def parse_time(value: str) -> datetime:
    """Parse the data's ISO 8601 UTC stamps ("2024-05-22T14:30:00Z") as aware datetimes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def teaser_block_label(template: Template, section: str) -> str:
    """Heading of the teaser block, which differs per CMS template."""
    if template == "wordpress":
        return "Recent Posts"
    if template == "jsonld":
        return "Related"
    return f"More in {section}"


@dataclass(frozen=True)
class DemoTeaser:
    """One teaser link. ``url`` is absolute when external, else a site path."""

    url: str
    headline: str
    excerpt: str
    relative_time: str  # verbatim text shown on the page, e.g. "8 mins ago"
    external: bool


@dataclass(frozen=True)
class DemoAuthor:
    """A byline; each author has a listing page at ``path``."""

    name: str
    slug: str
    bio: str

    @property
    def path(self) -> str:
        return f"/author/{self.slug}/"


@dataclass(frozen=True)
class DemoArticle:
    """One article exactly as the site renders it (the crawl is compared to this)."""

    slug: str
    section: str  # display name, e.g. "World"
    path: str  # "/world/2024/05/slug/"
    title: str
    author: str
    published: str  # ISO 8601 UTC, "2024-05-22T14:30:00Z"
    description: str
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]
    template: Template
    teaser_block_label: str
    teasers: tuple[DemoTeaser, ...]
    modified: str = ""  # ISO 8601 UTC; equals ``published`` unless updated
    image: str = ""  # site path of the lead image (not served: 404)
    author_slug: str = ""
    post_id: int = 0  # WordPress post number: stable when articles are published later

    @property
    def body(self) -> str:
        """The paragraphs joined by "\\n" (no blank lines), the crawler's JSONL body format."""
        return BODY_SEPARATOR.join(self.paragraphs)

    @property
    def section_slug(self) -> str:
        return section_slug(self.section)

    @property
    def published_at(self) -> datetime:
        return parse_time(self.published)

    @property
    def modified_at(self) -> datetime:
        return parse_time(self.modified or self.published)


@dataclass(frozen=True)
class SiteContent:
    """Everything in the content file, validated and cross-linked."""

    name: str
    tagline: str
    language: str
    sections: tuple[str, ...]
    authors: tuple[DemoAuthor, ...]
    sister_site: str
    articles: tuple[DemoArticle, ...]  # newest first
    copyright_year: str = ""  # footer year: fixed, so publishing does not touch every page


def _article_path(section: str, published: str, slug: str) -> str:
    stamp = parse_time(published)
    return f"/{section_slug(section)}/{stamp:%Y}/{stamp:%m}/{slug}/"


def _teaser(raw: dict[str, Any], targets: dict[str, tuple[str, str]]) -> DemoTeaser:
    """Internal teasers name a target slug (headline = its title); external ones carry a URL."""
    if "url" in raw:
        return DemoTeaser(raw["url"], raw["headline"], raw["excerpt"], raw["relative_time"], True)
    try:
        path, title = targets[raw["target"]]
    except KeyError:
        raise ValueError(f"teaser target {raw['target']!r} is not an article") from None
    return DemoTeaser(path, title, raw["excerpt"], raw["relative_time"], False)


def parse_content(raw: dict[str, Any]) -> SiteContent:
    """Build typed records from the decoded JSON and check its invariants."""
    templates: dict[str, Template] = raw["templates"]
    authors = tuple(DemoAuthor(a["name"], a["slug"], a["bio"]) for a in raw["authors"])
    author_slugs = {a.name: a.slug for a in authors}
    entries = raw["articles"]
    slugs = [e["slug"] for e in entries]
    if len(set(slugs)) != len(slugs):
        raise ValueError("duplicate article slugs in content file")
    targets = {
        e["slug"]: (_article_path(e["section"], e["published"], e["slug"]), e["title"])
        for e in entries
    }
    articles = []
    for e in entries:
        template = templates[e["section"]]
        if template not in TEMPLATES or e["author"] not in author_slugs:
            raise ValueError(f"bad template or author in {e['slug']!r}")
        articles.append(
            DemoArticle(
                slug=e["slug"],
                section=e["section"],
                path=targets[e["slug"]][0],
                title=e["title"],
                author=e["author"],
                published=e["published"],
                description=e["description"],
                tags=tuple(e["tags"]),
                paragraphs=tuple(e["paragraphs"]),
                template=template,
                teaser_block_label=teaser_block_label(template, e["section"]),
                teasers=tuple(_teaser(t, targets) for t in e["teasers"]),
                modified=e.get("modified") or e["published"],
                image=e["image"],
                author_slug=author_slugs[e["author"]],
            )
        )
    articles.sort(key=lambda a: (a.published, a.slug), reverse=True)
    articles = [replace(a, post_id=1000 + i) for i, a in enumerate(articles)]
    return SiteContent(
        name=raw["name"],
        tagline=raw["tagline"],
        language=raw["language"],
        sections=tuple(raw["sections"]),
        authors=authors,
        sister_site=raw["sister_site"],
        articles=tuple(articles),
        copyright_year=articles[0].published[:4] if articles else "",
    )


def load_content(path: Path = CONTENT_FILE) -> SiteContent:
    """Read and parse the content file (UTF-8 JSON)."""
    return parse_content(json.loads(path.read_text(encoding="utf-8")))
