"""newscrawl: the Scrapy project (spiders, items, pipelines, extraction)."""

__version__ = "0.1.0"
