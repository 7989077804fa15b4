"""The naive crawler the benchmark compares against: what a first Scrapy crawler looks like.

``python -m benchmarks.naive URL OUTPUT_DIR`` follows every ``<a>`` with
``response.follow_all`` (the dupefilter drops repeats), runs trafilatura inline
in the callback and writes every response to WARC with warcio from a
downloader middleware. Prints one JSON object: pages, articles.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from benchmarks.sitegen import ARTICLE_MARK


class WarcioMiddleware:
    """Every response to one WARC file, the way scrapy-warcio-like snippets do it."""

    def __init__(self) -> None:
        out = Path(NaiveSpider.output_dir) / "naive.warc.gz"
        out.parent.mkdir(parents=True, exist_ok=True)
        self.file = out.open("wb")
        self.writer = WARCWriter(self.file, gzip=True)

    def process_response(self, request: Request, response: Response) -> Response:
        headers = [(k.decode(), v.decode()) for k, vs in response.headers.items() for v in vs]
        http = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            response.url, "response", payload=io.BytesIO(response.body), http_headers=http
        )
        self.writer.write_record(record)
        return response


class NaiveSpider(Spider):
    name = "naive"
    output_dir = "naive-out"
    pages = 0
    articles = 0

    def parse(self, response: Response) -> Iterator[Any]:
        NaiveSpider.pages += 1
        if not isinstance(response, TextResponse):
            return
        text = trafilatura.extract(response.text, url=response.url, with_metadata=True)
        if text and ARTICLE_MARK in urlsplit(response.url).path:
            NaiveSpider.articles += 1
        yield from response.follow_all(css="a", callback=self.parse)


def main(argv: list[str]) -> int:
    url, out = argv[0], argv[1]
    NaiveSpider.output_dir = out
    host = urlsplit(url).hostname or ""
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": True,
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "DOWNLOADER_MIDDLEWARES": {f"{__name__}.WarcioMiddleware": 950},
        }
    )
    process.crawl(NaiveSpider, start_urls=[url], allowed_domains=[host])
    process.start()
    print(json.dumps({"pages": NaiveSpider.pages, "articles": NaiveSpider.articles}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
