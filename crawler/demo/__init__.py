"""The bundled demo news site: packaged data, static rendering and a local HTTP server.

Stdlib only (no Scrapy): ``newscrawl demo`` and the end-to-end tests start a
:class:`DemoServer` on 127.0.0.1 and compare the crawl with :func:`load_site`.
"""

from crawler.demo.server import DemoServer
from crawler.demo.site import (
    MODEL_PAGE_PATH,
    DemoArticle,
    DemoSite,
    DemoTeaser,
    load_site,
)

__all__ = ["MODEL_PAGE_PATH", "DemoArticle", "DemoServer", "DemoSite", "DemoTeaser", "load_site"]
