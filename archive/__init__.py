"""WARC writing, reading and checking: plain Python on warcio.

Never imports scrapy or twisted (a test checks ``sys.modules``), so tools and
tests can use it without a crawler.
"""

from archive.check import check_warc
from archive.errors import ArchiveError, RecordNotFound, WarcFormatError, WarcWriteError
from archive.reader import ArchivedRecord, iter_records, read_record
from archive.writer import HttpExchange, RecordLocation, WarcWriter

__all__ = [
    "ArchiveError",
    "ArchivedRecord",
    "HttpExchange",
    "RecordLocation",
    "RecordNotFound",
    "WarcFormatError",
    "WarcWriteError",
    "WarcWriter",
    "check_warc",
    "iter_records",
    "read_record",
]
