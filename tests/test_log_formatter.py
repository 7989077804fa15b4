"""Per-page DEBUG lines are built only when DEBUG lines are shown."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.log_formatter import QuietLogFormatter, log_level


@pytest.mark.parametrize(
    ("settings", "debug"),
    [
        ({"LOG_LEVEL": "INFO"}, False),
        ({"LOG_LEVEL": "debug"}, True),
        ({"LOG_LEVEL": logging.DEBUG}, True),
        ({"LOG_LEVEL": "30"}, False),
        ({"LOG_LEVEL": "DEBUG", "LOG_ENABLED": False}, False),
    ],
)
def test_lines_follow_the_log_level(settings: dict[str, object], debug: bool) -> None:
    crawler = get_crawler(Spider, settings_dict=settings)
    formatter = QuietLogFormatter.from_crawler(crawler)
    request = Request("http://127.0.0.1/a")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    spider = Spider.from_crawler(crawler, "s")
    crawled = formatter.crawled(request, response, spider)
    scraped = formatter.scraped({"a": 1}, response, spider)
    assert (crawled is not None, scraped is not None) == (debug, debug)
    if debug:
        assert crawled is not None
        assert crawled["level"] == logging.DEBUG
    # Everything else is Scrapy's own.
    assert formatter.dropped({"a": 1}, Exception("x"), response, spider) is not None


def test_levels_read_as_scrapy_takes_them() -> None:
    assert log_level("INFO") == logging.INFO
    assert log_level(" warning ") == logging.WARNING
    assert log_level(10) == 10
    assert log_level("nonsense") == logging.DEBUG


def test_the_crawl_uses_it() -> None:
    from crawler import settings

    assert settings.LOG_FORMATTER == "crawler.log_formatter.QuietLogFormatter"
