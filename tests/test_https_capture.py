"""Real sites are HTTPS: the archival download handler must capture them as well."""

from __future__ import annotations

import datetime as dt
import gzip
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from archive import iter_records
from tests.conftest import FAST, read_jsonl, run_newscrawl

PAGE = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Secure story</title>'
    b'<meta property="og:type" content="article"></head><body><article><h1>Secure story</h1>'
    b"<p>The harbour authority confirmed on Monday that the new ferry terminal will open in "
    b"the spring, two years after construction began on the eastern pier.</p>"
    b"<p>Officials said the terminal would handle up to four thousand passengers a day, and "
    b"that bus connections to the city centre would be added before the summer season.</p>"
    b"<p>Local businesses welcomed the news, saying the delays had cost them visitors.</p>"
    b"</article></body></html>"
)
BODY = gzip.compress(PAGE, mtime=0)


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        if self.path == "/robots.txt":
            body, extra = b"User-agent: *\nAllow: /\n", [("Content-Type", "text/plain")]
        elif self.path == "/":
            body = BODY
            extra = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Strict-Transport-Security", "max-age=63072000"),
            ]
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200, "Very OK")
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cert, key = _certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_https_response_archived_as_received(https_url: str, tmp_path: Path) -> None:
    proc = run_newscrawl("crawl", https_url, "--output", str(tmp_path), *FAST)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (record,) = [
        rec
        for path in sorted((tmp_path / "warc").glob("*.warc.gz"))
        for rec in iter_records(path)
        if rec.rec_type == "response" and rec.target_uri == https_url
    ]
    assert (record.http_status, record.http_reason) == (200, "Very OK")
    assert record.payload == BODY  # still gzip-encoded
    assert record.http_header("Strict-Transport-Security") == "max-age=63072000"
    assert record.warc_header("WARC-IP-Address") == "127.0.0.1"
    (row,) = read_jsonl(tmp_path / "articles")
    assert row["title"] == "Secure story"
