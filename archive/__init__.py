"""WARC writing, reading, checking, dedup, indexing and repair: plain Python on warcio.

Never imports scrapy or twisted (a test checks ``sys.modules``), so tools and
tests can use it without a crawler. WACZ packaging is ``archive.wacz``, not
re-exported here: it pulls in the ``wacz`` library and frictionless, which
the crawl itself never needs.
"""

from archive.check import check_warc
from archive.dedup import DigestEntry, DigestIndex
from archive.errors import (
    ArchiveError,
    CdxjIndexError,
    InvalidLookup,
    RecordNotFound,
    WarcFormatError,
    WarcWriteError,
)
from archive.index import CdxjEntry, build_index, load_capture, lookup, update_index
from archive.reader import ArchivedRecord, iter_records, read_record
from archive.repair import RepairResult, repair_open_files
from archive.warcio_compat import install as _install_warcio_decoders
from archive.writer import HttpExchange, RecordLocation, WarcWriter

_install_warcio_decoders()

__all__ = [
    "ArchiveError",
    "ArchivedRecord",
    "CdxjEntry",
    "CdxjIndexError",
    "DigestEntry",
    "DigestIndex",
    "HttpExchange",
    "InvalidLookup",
    "RecordLocation",
    "RecordNotFound",
    "RepairResult",
    "WarcFormatError",
    "WarcWriteError",
    "WarcWriter",
    "build_index",
    "check_warc",
    "iter_records",
    "load_capture",
    "lookup",
    "read_record",
    "repair_open_files",
    "update_index",
]
