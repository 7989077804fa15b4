"""An HTTP/1.1 download handler that keeps the response head exactly as received.

Twisted's client lower-cases header names and moves connection headers
(``Transfer-Encoding``, ``Content-Length``, ``Connection``...) out of the
response headers, and Scrapy drops the reason phrase. An archive needs the
head as the server sent it, so this handler is Scrapy's own HTTP/1.1 handler
with a parser that also records every header line in order, and hands the raw
head to the WARC capture middleware through ``request.meta[META_RAW_HEAD]``.

It subclasses private parts of Scrapy 2.19's ``http11`` module (pinned);
``tests/test_warc_capture.py`` (reason phrase, header order, case and
repeats against a raw-socket server) fails loudly if an upgrade breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers import http11
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

META_RAW_HEAD = "newscrawl_raw_head"


@dataclass(frozen=True)
class RawHead:
    """The response's status line and header lines, as received."""

    protocol: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]


class _RecordingParser(http11._LenientHTTPClientParser):
    """Scrapy's lenient parser, also keeping each header line with its original case."""

    def headerReceived(self, name: bytes, value: bytes) -> None:  # noqa: N802 (Twisted API)
        self.__dict__.setdefault("_raw_headers", []).append((name, value))
        super().headerReceived(name, value)

    def allHeadersReceived(self) -> None:  # noqa: N802 (Twisted API)
        raw = self.__dict__.pop("_raw_headers", [])
        if self.response is not None:
            self.response._newscrawl_raw_headers = raw
        super().allHeadersReceived()


class _RecordingProtocol(http11._LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Any:
        d = super().request(request)
        # Same technique as Scrapy's own protocol: swap the parser's class.
        self._parser.__class__ = _RecordingParser
        return d


class _RecordingClientFactory(http11._LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> Any:  # noqa: N802 (Twisted API)
        return _RecordingProtocol(self._quiescentCallback)


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class _RecordingAgent(http11._ScrapyAgent):
    def _cb_bodyready(self, txresponse: Any, request: Request) -> Any:
        raw = getattr(txresponse, "_newscrawl_raw_headers", None)
        if raw is not None:
            version = txresponse.version
            request.meta[META_RAW_HEAD] = RawHead(
                protocol=f"{_text(version[0])}/{version[1]}.{version[2]}",
                status=int(txresponse.code),
                reason=_text(txresponse.phrase or b""),
                headers=tuple((_text(n), _text(v)) for n, v in raw),
            )
        return super()._cb_bodyready(txresponse, request)


class ArchivalHTTP11DownloadHandler(http11.HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, recording the raw response head for the archive."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool._factory = _RecordingClientFactory

    async def download_request(self, request: Request) -> Response:
        agent = _RecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with http11.wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except http11.ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                http11.logger.warning(http11.get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
