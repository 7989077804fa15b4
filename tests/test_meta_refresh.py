"""The quick meta-refresh middleware answers exactly as Scrapy's own one does."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.meta_refresh import QuickMetaRefreshMiddleware

URL = "https://news.example/world/story/"
FILLER = "<p>" + "Words of a story that goes on. " * 200 + "</p>"

BODIES = {
    "no refresh": "<html><head><meta charset='utf-8'><title>T</title></head><body>x</body></html>",
    "refresh": '<html><head><meta http-equiv="refresh" content="0; url=/new/"></head></html>',
    "upper case": '<HTML><HEAD><META HTTP-EQUIV="REFRESH" CONTENT="0;URL=/new/"></HEAD></HTML>',
    "long delay": '<html><head><meta http-equiv="Refresh" content="600; url=/new/"></head></html>',
    "word only": "<html><head><title>Refresh your feed</title></head><body></body></html>",
    "in a script": "<html><head><script>'<meta http-equiv=refresh content=0;url=/x/>'</script>"
    "</head></html>",
    "past the scan": f"<html><head></head><body>{FILLER}"
    '<meta http-equiv="refresh" content="0; url=/new/"></body></html>',
    "non-ascii": '<html><head><title>Ünïcödé ÄÖÜ</title><meta http-equiv="rEfReSh" '
    'content="0; url=/neu/"></head></html>',
}


def _answer(middleware: MetaRefreshMiddleware, response: TextResponse) -> str | None:
    result = middleware.process_response(Request(URL), response)
    return None if result is response else result.url


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_same_answer_as_scrapy(name: str, encoding: str) -> None:
    crawler = get_crawler()
    ours = QuickMetaRefreshMiddleware.from_crawler(crawler)
    scrapys = MetaRefreshMiddleware.from_crawler(crawler)
    body = BODIES[name].encode(encoding)
    response = HtmlResponse(URL, body=body, encoding=encoding, request=Request(URL))
    assert _answer(ours, response) == _answer(scrapys, response)


def test_redirects_and_passes_through() -> None:
    ours = QuickMetaRefreshMiddleware.from_crawler(get_crawler())

    def html(text: str) -> HtmlResponse:
        return HtmlResponse(URL, body=text.encode(), encoding="utf-8", request=Request(URL))

    assert _answer(ours, html(BODIES["refresh"])) == "https://news.example/new/"
    assert _answer(ours, html(BODIES["no refresh"])) is None
    plain = TextResponse(URL, body=b"refresh", encoding="utf-8", request=Request(URL))
    assert _answer(ours, plain) is None  # not HTML: Scrapy's own rule
