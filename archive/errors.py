"""Exceptions raised by the archive layer.

One small hierarchy (in the spirit of httpx ``_exceptions.py``) so a caller can
catch everything from this package with ``except ArchiveError`` or pick the one
case it can handle::

    ArchiveError            base class, never raised directly
    ├── WarcWriteError      a record could not be written (bad input, I/O error)
    ├── WarcFormatError     bytes on disk are not the WARC we expect
    ├── RecordNotFound      no record where a pointer says there is one
    ├── CdxjIndexError      an index is missing or is not sorted CDXJ
    └── InvalidLookup       a lookup that cannot match (bad URL, bad timestamp)

Messages end with what to do next, like warcio's gzip error that names the
``warcio recompress`` command.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "CdxjIndexError",
    "InvalidLookup",
    "RecordNotFound",
    "WarcFormatError",
    "WarcWriteError",
]


class ArchiveError(Exception):
    """Base class of every error raised by the ``archive`` package."""


class WarcWriteError(ArchiveError):
    """A record (pair) could not be written.

    Raised for invalid input (a header with a line break, a non-latin-1 header
    value, a malformed URL) before anything is written, and for I/O errors
    while writing, after the partial record has been cut off the file again.
    """


class WarcFormatError(ArchiveError):
    """A file, or the bytes at an offset, cannot be parsed as the expected WARC.

    Also raised by ``ArchivedRecord.decoded_body`` when the payload does not
    decode with its ``Content-Encoding``.
    """


class RecordNotFound(ArchiveError, LookupError):
    """There is no record where a pointer (file name + offset) says there is one.

    Usually a stale pointer: the file was rotated, moved, or rewritten after
    the pointer was taken. It is also a ``LookupError``.
    """


class CdxjIndexError(ArchiveError):
    """A CDXJ index is missing, or a line of it is not ``SURT TIMESTAMP JSON``.

    The index can always be rebuilt from the WARC files, which the message says how.
    """


class InvalidLookup(ArchiveError, ValueError):
    """A lookup asked in a form that cannot match: a non-http(s) URL, a bad timestamp.

    It is also a ``ValueError``.
    """
