"""Public API of the demo news site, for the CLI and the end-to-end tests.

``load_site()`` gives a :class:`DemoSite`: the source data (articles, their
teasers) plus ``render()``, which turns it into the exact bytes the demo server
sends. Tests compare crawl output with these records, never with scraped HTML.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from crawler.demo.content import (
    BODY_SEPARATOR,
    DemoArticle,
    DemoAuthor,
    DemoTeaser,
    SiteContent,
    load_content,
    section_slug,
)
from crawler.demo.pages import PAGE_SIZE, RenderedPage, render_site

__all__ = [
    "BODY_SEPARATOR",
    "DEFAULT_BASE_URL",
    "MODEL_PAGE_PATH",
    "PAGE_SIZE",
    "DemoArticle",
    "DemoAuthor",
    "DemoSite",
    "DemoTeaser",
    "RenderedPage",
    "load_site",
]

MODEL_PAGE_PATH = "/world/2024/05/persecution-of-foreigners-by-russian-regime-escalates/"
DEFAULT_BASE_URL = "http://127.0.0.1/"


class DemoSite:
    """The demo site's data and its renderer (immutable once loaded)."""

    def __init__(self, content: SiteContent) -> None:
        self.content = content
        self.name: str = content.name
        self.tagline: str = content.tagline
        self.language: str = content.language
        self.sister_site: str = content.sister_site
        self.copyright_year: str = content.copyright_year
        self.articles: list[DemoArticle] = list(content.articles)  # newest first
        self.sections: list[str] = list(content.sections)
        self.authors: list[DemoAuthor] = list(content.authors)
        self._by_path = {a.path: a for a in self.articles}

    def __repr__(self) -> str:
        return f"DemoSite({self.name!r}, {len(self.articles)} articles)"

    # -- look-ups ---------------------------------------------------------
    def article_by_path(self, path: str) -> DemoArticle:
        """Article at a site path or full URL (query/fragment ignored); KeyError if none."""
        found = self.find_article(path)
        if found is None:
            raise KeyError(path)
        return found

    def find_article(self, path_or_url: str) -> DemoArticle | None:
        """Like :meth:`article_by_path` but returns None for non-article URLs."""
        path = urlsplit(path_or_url).path or "/"
        if not path.endswith("/"):
            path += "/"
        return self._by_path.get(path)

    def article_by_slug(self, slug: str) -> DemoArticle:
        for article in self.articles:
            if article.slug == slug:
                return article
        raise KeyError(slug)

    @property
    def model_article(self) -> DemoArticle:
        """The article built from the seed page (news-page-text.txt)."""
        return self._by_path[MODEL_PAGE_PATH]

    def articles_in(self, section: str) -> list[DemoArticle]:
        """Articles of one section (display name), newest first."""
        return [a for a in self.articles if a.section == section]

    def articles_by(self, author_slug: str) -> list[DemoArticle]:
        return [a for a in self.articles if a.author_slug == author_slug]

    @staticmethod
    def section_path(section: str, page: int = 1) -> str:
        """Listing path: "/section/world/", then "/section/world/page/2/"..."""
        base = f"/section/{section_slug(section)}/"
        return base if page == 1 else f"{base}page/{page}/"

    def section_page_count(self, section: str) -> int:
        return max(1, -(-len(self.articles_in(section)) // PAGE_SIZE))

    def teaser_target(self, teaser: DemoTeaser) -> DemoArticle | None:
        """The demo article a teaser links to (None for sister-site teasers)."""
        return None if teaser.external else self._by_path[teaser.url]

    def external_teaser_urls(self) -> set[str]:
        """Absolute sister-site URLs that appear as teasers (never fetched)."""
        return {t.url for a in self.articles for t in a.teasers if t.external}

    def internal_teaser_paths(self) -> set[str]:
        return {t.url for a in self.articles for t in a.teasers if not t.external}

    # -- rendering --------------------------------------------------------
    def pages(self, base_url: str = DEFAULT_BASE_URL) -> dict[str, RenderedPage]:
        """Every served path with its bytes, Last-Modified and transfer style."""
        return render_site(self, base_url)

    def render(self, base_url: str = DEFAULT_BASE_URL) -> dict[str, tuple[str, bytes]]:
        """path -> (content_type, body bytes). Absolute URLs in pages use ``base_url``."""
        return {path: (p.content_type, p.body) for path, p in self.pages(base_url).items()}

    def redirects(self) -> dict[str, str]:
        """Paths answered with 301 and their target path (WordPress category aliases)."""
        moved = {f"/category/{section_slug(s)}/": self.section_path(s) for s in self.sections}
        moved.update(
            {f"/section/{section_slug(s)}/page/1/": self.section_path(s) for s in self.sections}
        )
        return moved


@cache
def load_site() -> DemoSite:
    """The packaged demo site, parsed once per process."""
    return DemoSite(load_content())
