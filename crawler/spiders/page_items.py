"""Building the items a response yields, from the response and its extraction.

Plain functions, so the spider stays about crawling decisions and the items'
shape is defined in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import Response

from crawler.extracted_page import ExtractedPage
from crawler.items import ArticleChanges, ArticleItem, FetchedPage, PageLinks, Teaser, WarcLocation
from crawler.middlewares.warc_capture import META_FETCHED_AT, META_WARC
from crawler.output import utc_iso


def fetched_at_of(response: Response) -> datetime:
    """When the response arrived (set by the WARC capture), else now."""
    value = response.meta.get(META_FETCHED_AT)
    return value if isinstance(value, datetime) else datetime.now(UTC)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def warc_location(response: Response) -> WarcLocation | None:
    """Where the response record is, for the JSONL row."""
    location = response.meta.get(META_WARC)
    if location is None:
        return None
    return WarcLocation(
        filename=location.filename,
        offset=location.offset,
        length=location.length,
        record_id=location.record_id,
        payload_digest=location.payload_digest,
        revisit=location.revisit,
    )


def fetched_page(
    response: Response,
    kind: str,
    *,
    page: ExtractedPage | None = None,
    version: int | None = None,
) -> FetchedPage:
    """The item that marks the response's URL (and its aliases) done in the state."""
    location = response.meta.get(META_WARC)
    aliases = [response.request.url] if response.request is not None else []
    aliases += response.meta.get("redirect_urls", [])
    if page is not None and page.canonical_url:
        aliases.append(page.canonical_url)  # rel=canonical: the same page by its own name
    is_article = kind == "article" and page is not None and bool(page.body)
    return FetchedPage(
        url=response.url,
        aliases=[u for u in dict.fromkeys(aliases) if u != response.url],
        fetched_at=utc_iso(fetched_at_of(response)),
        status=response.status,
        kind=kind,
        etag=_header(response, "ETag"),
        last_modified=_header(response, "Last-Modified"),
        payload_digest=location.payload_digest if location is not None else None,
        title=page.title if page is not None else None,
        body=page.body if is_article and page is not None else None,
        version=version,
    )


def page_links(
    response: Response, page_type: str, outlinks: list[str], teasers: list[Teaser]
) -> PageLinks:
    """The page's links and teasers, for the queue and the WARC metadata record."""
    location = response.meta.get(META_WARC)
    return PageLinks(
        url=response.url,
        fetched_at=utc_iso(fetched_at_of(response)),
        page_type=page_type,
        response_record_id=location.record_id if location is not None else None,
        outlinks=outlinks,
        teasers=teasers,
    )


def article_from_page(
    page: ExtractedPage,
    *,
    url: str,
    fetched_at: datetime,
    status: int = 200,
    warc: WarcLocation | None = None,
    crawl_id: str | None = None,
    version: int = 1,
    previous_digest: str | None = None,
    changes: ArticleChanges | None = None,
) -> ArticleItem:
    """The JSON Lines row of an extracted article (also what ``newscrawl extract`` prints)."""
    return ArticleItem(
        url=url,
        fetched_at=utc_iso(fetched_at),
        status=status,
        title=page.title,
        body=page.body,
        canonical_url=page.canonical_url,
        category=page.category,
        categories=list(page.categories),
        author=page.author,
        published_at=page.published_at,
        modified_at=page.modified_at,
        language=page.language,
        tags=list(page.tags),
        description=page.description,
        site_name=page.site_name,
        image=page.image,
        access=page.access,
        teasers=list(page.teasers),
        warc=warc,
        crawl_id=crawl_id,
        version=version,
        previous_digest=previous_digest,
        changes=changes,
    )


def article_item(
    response: Response,
    page: ExtractedPage,
    *,
    crawl_id: str,
    version: int = 1,
    previous_digest: str | None = None,
    changes: ArticleChanges | None = None,
) -> ArticleItem:
    """The JSON Lines row of an article response."""
    return article_from_page(
        page,
        url=response.url,
        fetched_at=fetched_at_of(response),
        status=response.status,
        warc=warc_location(response),
        crawl_id=crawl_id,
        version=version,
        previous_digest=previous_digest,
        changes=changes,
    )
