"""``newscrawl archive ...`` commands, called through ``run_archive`` with parsed arguments."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pytest

from archive import HttpExchange, WarcWriter
from archive.dedup import DigestIndex
from archive.wacz import validate_wacz
from crawler import cli
from crawler.cli_archive import add_archive_commands, run_archive

HTML = b"<html><title>Hello</title><p>Story</p></html>"


def run(*argv: str) -> int:
    """Parse like ``newscrawl`` does (its parser class raises UsageError), then run."""
    parser = cli._Parser(prog="newscrawl")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=cli._Parser)
    add_archive_commands(sub)
    return run_archive(parser.parse_args(["archive", *argv]))


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    gz_headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    with DigestIndex.for_output_dir(out) as digests, WarcWriter(out / "warc", dedup=digests) as w:
        w.write_exchange(
            HttpExchange(
                url="https://news.example/a",
                body=HTML,
                response_headers=[("Content-Type", "text/html")],
            )
        )
        w.write_exchange(
            HttpExchange(
                url="https://news.example/gz",
                body=gzip.compress(HTML, mtime=0),
                response_headers=gz_headers,
            )
        )
        w.write_exchange(HttpExchange(url="https://news.example/copy", body=HTML))  # a revisit
    return out


def test_check_ok(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("check", str(output)) == 0
    out = capsys.readouterr().out
    assert out.count(": ok") == 1


def test_check_reports_record_and_reason(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (path,) = (output / "warc").glob("*.warc.gz")
    data = gzip.decompress(path.read_bytes()).replace(b"<p>Story</p>", b"<p>St0ry</p>", 1)
    bad = output / "bad.warc"
    bad.write_bytes(data)  # an uncompressed WARC: check takes those too
    assert run("check", str(bad), str(path)) == 1
    out = capsys.readouterr().out
    assert f"{bad}: FAILED" in out
    assert "response <urn:uuid:" in out
    assert "digest" in out.lower()


def test_check_flags_open_files(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (path,) = (output / "warc").glob("*.warc.gz")
    shutil.copy(path, output / "warc" / "x.warc.gz.open")
    assert run("check", "-q", str(output)) == 1
    assert "archive repair" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check", "/nonexistent/x.warc.gz"], id="check-missing"),
        pytest.param(["index", "/nonexistent"], id="index-missing"),
        pytest.param(["get", "https://news.example/a", "-o", "/nonexistent"], id="get-missing"),
        pytest.param(["get", "news.example/a"], id="get-no-scheme"),
        pytest.param(["get", "https://news.example/a", "--at", "yesterday"], id="get-bad-at"),
        pytest.param(["get", "https://news.example/a", "--raw", "--body"], id="raw-and-body"),
        pytest.param(["wacz", "OUT"], id="wacz-no-dest"),
        pytest.param(["frobnicate"], id="unknown"),
    ],
)
def test_usage_errors(output: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.chdir(output)  # "get" defaults to --output output, relative
    (output / "output").symlink_to(output)
    with pytest.raises(cli.UsageError):
        run(*argv)


def test_check_empty_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(cli.UsageError, match="no WARC files"):
        run("check", str(tmp_path))


def test_index(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("index", str(output)) == 0
    assert "3 capture(s)" in capsys.readouterr().out
    assert (output / "indexes" / "index.cdxj").is_file()


def test_get_summary(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("get", "https://news.example/copy", "--output", str(output)) == 0
    out = capsys.readouterr().out
    assert "status 200" in out
    assert "revisit of https://news.example/a" in out


@pytest.mark.parametrize(
    ("url", "flag", "expected"),
    [
        pytest.param("https://news.example/a", "--body", HTML, id="body"),
        pytest.param("https://news.example/gz", "--body", HTML, id="gzip-body-decoded"),
        pytest.param("https://news.example/copy", "--body", HTML, id="revisit-body"),
        pytest.param(
            "https://news.example/a",
            "--raw",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 45\r\n\r\n" + HTML,
            id="raw",
        ),
        pytest.param(
            "https://news.example/gz", "--raw", gzip.compress(HTML, mtime=0), id="raw-keeps-gzip"
        ),
    ],
)
def test_get_bytes(
    output: Path, capsysbinary: pytest.CaptureFixture[bytes], url: str, flag: str, expected: bytes
) -> None:
    assert run("get", url, "--output", str(output), flag) == 0
    assert capsysbinary.readouterr().out.endswith(expected)


def test_get_not_archived(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("get", "https://news.example/never", "--output", str(output)) == 1
    assert "is not in" in capsys.readouterr().err


def test_wacz(output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "crawl.wacz"
    assert run("wacz", str(output), "-o", str(dest)) == 0
    assert validate_wacz(dest) == []
    with zipfile.ZipFile(dest) as package:
        assert "pages/pages.jsonl" in package.namelist()


def test_wacz_without_warcs_fails_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("wacz", str(tmp_path), "-o", str(tmp_path / "x.wacz")) == 1
    assert "crawl into" in capsys.readouterr().err


def test_repair(output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (path,) = (output / "warc").glob("*.warc.gz")
    open_path = path.with_name(path.name + ".open")
    data = path.read_bytes()
    path.unlink()
    open_path.write_bytes(data[:-10])
    assert run("repair", str(output)) == 0
    assert "kept, cut" in capsys.readouterr().out
    assert path.is_file()
    assert run("check", str(path)) == 0
    assert run("repair", str(output)) == 0
    assert "nothing to repair" in capsys.readouterr().out
