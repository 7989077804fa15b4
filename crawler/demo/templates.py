"""HTML templates of the demo site: three article themes plus shared page chrome.

Real news sites run on different CMSs, so the article pages come in three
markups (WordPress theme, JSON-LD NewsArticle theme, breadcrumb/meta theme).
A crawler that handles all three handles most of the web's article pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from crawler.demo.content import DemoArticle, DemoTeaser, section_slug

if TYPE_CHECKING:
    from crawler.demo.site import DemoSite

FEED_PATH = "/feed.xml"
ATOM_PATH = "/atom.xml"
PRIVATE_PATH = "/private/staff-only/"
STYLE = (
    "body{font-family:Georgia,serif;max-width:72rem;margin:0 auto;padding:0 1rem}"
    "nav a{margin-right:1rem}.card,.widget li,.more-in li{margin-bottom:1rem}"
    ".site-footer,#colophon{border-top:1px solid #ccc;margin-top:2rem;font-size:.9rem}"
)


def e(text: str) -> str:
    """HTML-escape text and attribute values."""
    return escape(text, quote=True)


@dataclass(frozen=True)
class Ctx:
    """Render context: the site and the absolute base URL (no trailing slash)."""

    site: DemoSite
    base: str

    def abs(self, path: str) -> str:
        return path if "://" in path else self.base + path


def iso_offset(dt: datetime) -> str:
    """WordPress/Open Graph style stamp: 2024-05-22T14:30:00+00:00."""
    return dt.isoformat(timespec="seconds")


def head(
    ctx: Ctx,
    *,
    title: str,
    description: str,
    path: str,
    og_type: str = "website",
    image: str = "/images/ledger-logo.png",
    extra: str = "",
) -> str:
    """<head> every page carries: canonical, description, og:*, RSS alternate."""
    site = ctx.site
    full_title = f"{title} – {site.name}" if title != site.name else title
    return f"""<!DOCTYPE html>
<html lang="{e(site.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(full_title)}</title>
<meta name="description" content="{e(description)}">
<link rel="canonical" href="{e(ctx.abs(path))}">
<meta property="og:site_name" content="{e(site.name)}">
<meta property="og:title" content="{e(title)}">
<meta property="og:description" content="{e(description)}">
<meta property="og:type" content="{og_type}">
<meta property="og:url" content="{e(ctx.abs(path))}">
<meta property="og:image" content="{e(ctx.abs(image))}">
<meta property="og:locale" content="en_US">
<link rel="alternate" type="application/rss+xml" title="{e(site.name)} RSS" href="{FEED_PATH}">
<link rel="alternate" type="application/atom+xml" title="{e(site.name)} Atom" href="{ATOM_PATH}">
{extra}<style>{STYLE}</style>
</head>
"""


def footer(ctx: Ctx, element_id: str = "") -> str:
    """Footer shared by all themes; carries the robots-disallowed staff link."""
    year = ctx.site.copyright_year
    id_attr = f' id="{element_id}"' if element_id else ""
    return f"""<footer class="site-footer"{id_attr}>
<p>&copy; {year} {e(ctx.site.name)}. All rights reserved.</p>
<ul class="footer-links"><li><a href="/">Home</a></li><li><a href="{FEED_PATH}">RSS feed</a></li>\
<li><a href="/sitemap.xml">Sitemap</a></li><li><a href="{PRIVATE_PATH}">Staff login</a></li></ul>
</footer>
"""


def section_nav(ctx: Ctx, css_class: str = "primary-nav") -> str:
    links = "".join(f'<a href="/section/{section_slug(s)}/">{e(s)}</a>' for s in ctx.site.sections)
    return f'<nav class="{css_class}" aria-label="Sections"><a href="/">Home</a>{links}</nav>'


def masthead(ctx: Ctx) -> str:
    """Header of the listing pages and the JSON-LD theme."""
    return (
        f'<header class="masthead"><p class="logo"><a href="/">{e(ctx.site.name)}</a></p>'
        f'<p class="tagline">{e(ctx.site.tagline)}</p>{section_nav(ctx)}</header>\n'
    )


# -- 1. WordPress theme (World, Technology) ------------------------------
def _wp_share(ctx: Ctx, article: DemoArticle) -> str:
    """Jetpack-style icon-only share buttons: visible text is just "Share"."""
    url = ctx.abs(article.path)
    targets = [
        ("facebook", f"https://www.facebook.com/sharer/sharer.php?u={url}"),
        ("x", f"https://x.com/intent/post?url={url}"),
        ("linkedin", f"https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ("email", f"mailto:?subject={article.slug}&body={url}"),
    ]
    items = "".join(
        f'<li class="share-{name}"><a rel="nofollow noopener noreferrer" class="share-{name} '
        f'sd-button share-icon no-text" href="{e(href)}" target="_blank" '
        f'title="Click to share on {name.title()}"><span></span></a></li>'
        for name, href in targets
    )
    return (
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block '
        'sd-social sd-social-icon sd-sharing"><h3 class="sd-title">Share</h3>'
        f'<div class="sd-content"><ul>{items}</ul></div></div></div>'
    )


def _wp_recent(ctx: Ctx, article: DemoArticle) -> str:
    items = "".join(
        f'<li><a href="{e(ctx.abs(t.url))}">{e(t.headline)}</a>'
        f'<p class="post-excerpt">{e(t.excerpt)}</p>'
        f'<span class="post-date">{e(t.relative_time)}</span></li>\n'
        for t in article.teasers
    )
    return (
        '<section id="recent-posts-2" class="widget widget_recent_entries">'
        f'<h2 class="widget-title">{e(article.teaser_block_label)}</h2>\n'
        f"<ul>\n{items}</ul></section>"
    )


def wordpress_article(ctx: Ctx, article: DemoArticle) -> str:
    """WordPress single post: links are absolute, as WordPress writes them."""
    cat = section_slug(article.section)
    post_id = article.post_id
    body = "\n".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    menu = "".join(
        '<li class="menu-item menu-item-type-taxonomy">'
        f'<a href="{ctx.abs(f"/category/{section_slug(s)}/")}">{e(s)}</a></li>'
        for s in ctx.site.sections
    )
    return (
        head(
            ctx,
            title=article.title,
            description=article.description,
            path=article.path,
            og_type="article",
            image=article.image,
        )
        + f"""<body class="post-template-default single single-post postid-{post_id} \
single-format-standard">
<div id="page" class="site">
<header id="masthead" class="site-header"><div class="site-branding">\
<p class="site-title"><a href="{ctx.abs("/")}" rel="home">{e(ctx.site.name)}</a></p>\
<p class="site-description">{e(ctx.site.tagline)}</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">\
<li class="menu-item menu-item-home"><a href="{ctx.abs("/")}">Home</a></li>{menu}</ul></nav>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish \
format-standard hentry category-{cat}">
<header class="entry-header"><span class="cat-links">Categories: \
<a href="{ctx.abs(f"/category/{cat}/")}" rel="category tag">{e(article.section)}</a></span>
<h1 class="entry-title">{e(article.title)}</h1></header>
<div class="entry-content">
{body}
{_wp_share(ctx, article)}
</div>
<footer class="entry-footer"><div class="author-box">\
<span class="author-box-label">Published by</span> \
<span class="author vcard"><a class="url fn n" href="{ctx.abs(f"/author/{article.author_slug}/")}" \
rel="author">{e(article.author)}</a></span> <span class="posted-on">\
<time class="entry-date published" datetime="{iso_offset(article.published_at)}">\
{article.published_at:%B} {article.published_at.day}, {article.published_at:%Y}</time>\
<time class="updated" datetime="{iso_offset(article.modified_at)}"></time></span></div></footer>
</article>
</main></div>
<aside id="secondary" class="widget-area">
{_wp_recent(ctx, article)}
</aside>
</div>
{footer(ctx, "colophon")}</div>
</body>
</html>
"""
    )


# -- 2. JSON-LD NewsArticle theme (Business) ------------------------------
def _json_ld(ctx: Ctx, article: DemoArticle) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": ctx.abs(article.path)},
        "headline": article.title,
        "description": article.description,
        "articleSection": article.section,
        "author": {
            "@type": "Person",
            "name": article.author,
            "url": ctx.abs(f"/author/{article.author_slug}/"),
        },
        "datePublished": article.published,
        "dateModified": article.modified,
        "keywords": list(article.tags),
        "image": [ctx.abs(article.image)],
        "inLanguage": ctx.site.language,
        "publisher": {
            "@type": "Organization",
            "name": ctx.site.name,
            "logo": {"@type": "ImageObject", "url": ctx.abs("/images/ledger-logo.png")},
        },
    }
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def _related_card(t: DemoTeaser) -> str:
    return (
        f'<article class="card"><h3><a href="{e(t.url)}">{e(t.headline)}</a></h3>'
        f"<p>{e(t.excerpt)}</p><time>{e(t.relative_time)}</time></article>\n"
    )


def jsonld_article(ctx: Ctx, article: DemoArticle) -> str:
    """Publisher-CMS page: metadata in JSON-LD only, no visible category label."""
    body = "\n".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    cards = "".join(_related_card(t) for t in article.teasers)
    stamp = article.published_at
    return (
        head(
            ctx,
            title=article.title,
            description=article.description,
            path=article.path,
            og_type="article",
            image=article.image,
            extra=_json_ld(ctx, article),
        )
        + f"""<body class="layout-story">
{masthead(ctx)}<main id="content">
<article class="story">
<header><h1>{e(article.title)}</h1>
<p class="standfirst">{e(article.description)}</p>
<p class="byline">By <a href="/author/{article.author_slug}/">{e(article.author)}</a> \
<time datetime="{article.published}">{stamp.day} {stamp:%B %Y, %H:%M} UTC</time></p></header>
<figure class="lead-image"><img src="{e(article.image)}" alt="" width="1200" height="675"></figure>
<div class="article-body">
{body}
</div>
<aside class="newsletter-cta"><h2>The Ledger Briefing</h2><p>Markets, companies and the \
economy, in your inbox before the opening bell.</p><form action="/newsletter/" method="post">\
<input type="email" name="email" placeholder="you@example.com">\
<button type="submit">Sign up</button>\
</form></aside>
</article>
<section class="related"><h2>{e(article.teaser_block_label)}</h2>
{cards}</section>
</main>
{footer(ctx)}</body>
</html>
"""
    )


# -- 3. Breadcrumb / meta-tag theme (Entertainment) ------------------------
def breadcrumb_article(ctx: Ctx, article: DemoArticle) -> str:
    """Magazine CMS: metadata in <meta> tags, section shown in a breadcrumb trail."""
    meta = (
        f'<meta property="article:section" content="{e(article.section)}">\n'
        f'<meta property="article:published_time" content="{iso_offset(article.published_at)}">\n'
        f'<meta property="article:modified_time" content="{iso_offset(article.modified_at)}">\n'
        f'<meta name="author" content="{e(article.author)}">\n'
        + "".join(f'<meta property="article:tag" content="{e(t)}">\n' for t in article.tags)
    )
    body = "\n".join(f"<p>{e(p)}</p>" for p in article.paragraphs)
    items = "".join(
        f'<li><a href="{e(t.url)}">{e(t.headline)}</a><p>{e(t.excerpt)}</p>'
        f'<span class="timestamp">{e(t.relative_time)}</span></li>\n'
        for t in article.teasers
    )
    stamp = article.published_at
    return (
        head(
            ctx,
            title=article.title,
            description=article.description,
            path=article.path,
            og_type="article",
            image=article.image,
            extra=meta,
        )
        + f"""<body class="mag article-page">
<header class="site-header"><div class="brand"><a href="/">{e(ctx.site.name)}</a></div>
{section_nav(ctx, "menu")}</header>
<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> › \
<a href="/section/{article.section_slug}/">{e(article.section)}</a> › \
<span aria-current="page">{e(article.title)}</span></nav>
<main>
<h1 class="headline">{e(article.title)}</h1>
<div class="meta"><span class="by">By {e(article.author)}</span> · \
<span class="date">{stamp:%A} {stamp.day} {stamp:%B %Y}</span></div>
<div class="story-body">
{body}
</div>
<div class="more-in"><h2>{e(article.teaser_block_label)}</h2>
<ul>
{items}</ul></div>
</main>
{footer(ctx)}</body>
</html>
"""
    )


ARTICLE_TEMPLATES = {
    "wordpress": wordpress_article,
    "jsonld": jsonld_article,
    "breadcrumb": breadcrumb_article,
}


def render_article(ctx: Ctx, article: DemoArticle) -> str:
    return ARTICLE_TEMPLATES[article.template](ctx, article)
