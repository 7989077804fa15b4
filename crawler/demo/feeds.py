"""Machine-readable files of the demo site: RSS, Atom, sitemaps and robots.txt.

News crawlers discover new articles from these rather than from HTML, so they
carry the same times the article pages do (published, last modified) in the
formats real publishers use: RFC 822 in RSS, RFC 3339 in Atom and sitemaps,
Google News fields in the news sitemap.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING

from crawler.demo.templates import ATOM_PATH, FEED_PATH, PRIVATE_PATH, Ctx

if TYPE_CHECKING:
    from crawler.demo.content import DemoArticle

FEED_SIZE = 20
SITEMAP_PATH = "/sitemap.xml"
NEWS_SITEMAP_PATH = "/news-sitemap.xml"
SITEMAP_INDEX_PATH = "/sitemap-index.xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def rfc3339(stamp: datetime) -> str:
    """UTC as 2024-05-22T14:30:00Z: the W3C datetime profile sitemaps and Atom expect."""
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_modified(ctx: Ctx) -> datetime:
    """Latest modification of any article: the stamp of pages that list them all."""
    return max(a.modified_at for a in ctx.site.articles)


def _latest(ctx: Ctx) -> list[DemoArticle]:
    return ctx.site.articles[:FEED_SIZE]


def feed_xml(ctx: Ctx) -> str:
    """RSS 2.0 feed of the latest articles (pubDate per item)."""
    site = ctx.site
    items = []
    for a in _latest(ctx):
        url = escape(ctx.abs(a.path))
        items.append(
            f"<item><title>{escape(a.title)}</title><link>{url}</link>"
            f'<guid isPermaLink="true">{url}</guid>'
            f"<pubDate>{format_datetime(a.published_at, usegmt=True)}</pubDate>"
            f"<dc:creator>{escape(a.author)}</dc:creator><category>{escape(a.section)}</category>"
            f"<description>{escape(a.description)}</description></item>\n"
        )
    built = format_datetime(site_modified(ctx), usegmt=True)
    return (
        XML_HEAD + '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(site.name)}</title><link>{escape(ctx.abs('/'))}</link>\n"
        f"<description>{escape(site.tagline)}</description><language>{site.language}</language>\n"
        f'<atom:link href="{escape(ctx.abs(FEED_PATH))}" rel="self" type="application/rss+xml"/>\n'
        f"<lastBuildDate>{built}</lastBuildDate>\n" + "".join(items) + "</channel>\n</rss>\n"
    )


def atom_xml(ctx: Ctx) -> str:
    """Atom 1.0 feed of the same articles, with <published> and <updated> per entry."""
    site = ctx.site
    entries = []
    for a in _latest(ctx):
        url = escape(ctx.abs(a.path))
        entries.append(
            f'<entry><title>{escape(a.title)}</title><link rel="alternate" type="text/html" '
            f'href="{url}"/><id>{url}</id><published>{rfc3339(a.published_at)}</published>'
            f"<updated>{rfc3339(a.modified_at)}</updated>"
            f"<author><name>{escape(a.author)}</name></author>"
            f'<category term="{escape(a.section)}"/>'
            + "".join(f'<category term="{escape(t)}"/>' for t in a.tags)
            + f"<summary>{escape(a.description)}</summary></entry>\n"
        )
    home = escape(ctx.abs("/"))
    return (
        XML_HEAD + f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{site.language}">\n'
        f"<title>{escape(site.name)}</title><subtitle>{escape(site.tagline)}</subtitle>\n"
        f'<id>{home}</id><link rel="alternate" type="text/html" href="{home}"/>\n'
        f'<link rel="self" type="application/atom+xml" href="{escape(ctx.abs(ATOM_PATH))}"/>\n'
        f"<updated>{rfc3339(site_modified(ctx))}</updated>\n" + "".join(entries) + "</feed>\n"
    )


def sitemap_xml(ctx: Ctx, html_pages: dict[str, datetime]) -> str:
    """Sitemap of every public HTML page with its lastmod (the staff page is left out)."""
    urls = "".join(
        f"<url><loc>{escape(ctx.abs(path))}</loc><lastmod>{stamp.isoformat()}</lastmod></url>\n"
        for path, stamp in html_pages.items()
        if path != PRIVATE_PATH
    )
    return XML_HEAD + f'<urlset xmlns="{SITEMAP_NS}">\n' + urls + "</urlset>\n"


def news_sitemap_xml(ctx: Ctx) -> str:
    """Google News sitemap: every article with publication, date, title and keywords."""
    site = ctx.site
    urls = []
    for a in site.articles:
        keywords = f"<news:keywords>{escape(', '.join(a.tags))}</news:keywords>" if a.tags else ""
        urls.append(
            f"<url><loc>{escape(ctx.abs(a.path))}</loc>"
            f"<lastmod>{rfc3339(a.modified_at)}</lastmod><news:news><news:publication>"
            f"<news:name>{escape(site.name)}</news:name>"
            f"<news:language>{escape(site.language)}</news:language></news:publication>"
            f"<news:publication_date>{a.published}</news:publication_date>"
            f"<news:title>{escape(a.title)}</news:title>{keywords}</news:news></url>\n"
        )
    return (
        XML_HEAD
        + f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n'
        + "".join(urls)
        + "</urlset>\n"
    )


def sitemap_index_xml(ctx: Ctx) -> str:
    """Sitemap index pointing at the page sitemap and the news sitemap."""
    stamp = rfc3339(site_modified(ctx))
    entries = "".join(
        f"<sitemap><loc>{escape(ctx.abs(path))}</loc><lastmod>{stamp}</lastmod></sitemap>\n"
        for path in (SITEMAP_PATH, NEWS_SITEMAP_PATH)
    )
    return XML_HEAD + f'<sitemapindex xmlns="{SITEMAP_NS}">\n' + entries + "</sitemapindex>\n"


def robots_txt(ctx: Ctx) -> str:
    """Disallows the staff area and names the sitemap index (absolute, per Host)."""
    return f"User-agent: *\nDisallow: /private/\n\nSitemap: {ctx.abs(SITEMAP_INDEX_PATH)}\n"
