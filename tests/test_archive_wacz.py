"""WACZ packaging: valid by ``wacz validate``, with the articles and their titles as pages."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive import HttpExchange, WarcWriter
from archive.errors import ArchiveError
from archive.wacz import validate_wacz, write_wacz

WACZ_CLI = Path(sys.executable).parent / "wacz"


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    with WarcWriter(out / "warc", hostname="h") as writer:
        for n in range(3):
            writer.write_exchange(
                HttpExchange(
                    url=f"https://news.example/story/{n}",
                    response_headers=[("Content-Type", "text/html")],
                    body=b"<title>t</title><p>story %d</p>" % n,
                )
            )
    rows = [
        {
            "url": "https://news.example/story/0",
            "title": "Zéro",
            "fetched_at": "2024-05-01T12:00:00.000Z",
        },
        {
            "url": "https://news.example/story/2",
            "title": "Two",
            "fetched_at": "2024-05-01T12:00:01.000Z",
        },
        {
            "url": "https://elsewhere.example/",
            "title": "Not archived",
            "fetched_at": "2024-05-01T12:00:02.000Z",
        },
    ]
    (out / "articles").mkdir()
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    (out / "articles" / "c1.jsonl").write_text(text + '{"url": "torn', encoding="utf-8")
    return out


def test_pages_list_the_archived_articles_with_titles(output: Path, tmp_path: Path) -> None:
    summary = write_wacz(output, tmp_path / "crawl.wacz")
    assert (summary.warcs, summary.pages, summary.skipped_open) == (1, 2, 0)
    with zipfile.ZipFile(summary.path) as package:
        lines = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
    header, *pages = (json.loads(line) for line in lines)
    assert header["format"] == "json-pages-1.0"
    assert [(p["url"], p["title"], p["ts"]) for p in pages] == [
        ("https://news.example/story/0", "Zéro", "2024-05-01T12:00:00.000Z"),
        ("https://news.example/story/2", "Two", "2024-05-01T12:00:01.000Z"),
    ]
    assert len({p["id"] for p in pages}) == 2


def test_structure_and_hashes(output: Path, tmp_path: Path) -> None:
    summary = write_wacz(output, tmp_path / "crawl.wacz", title="My crawl")
    with zipfile.ZipFile(summary.path) as package:
        names = set(package.namelist())
        warc_names = {f"archive/{p.name}" for p in (output / "warc").glob("*.warc.gz")}
        assert names >= {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl"}
        assert warc_names <= names
        assert any(n.startswith("indexes/index.cdx") for n in names)
        datapackage = package.read("datapackage.json")
        meta = json.loads(datapackage)
        assert meta["wacz_version"].startswith("1.1")
        assert meta["title"] == "My crawl"
        for resource in meta["resources"]:
            digest = hashlib.sha256(package.read(resource["path"])).hexdigest()
            assert resource["hash"] == f"sha256:{digest}"
        digest_file = json.loads(package.read("datapackage-digest.json"))
    assert digest_file["hash"] == "sha256:" + hashlib.sha256(datapackage).hexdigest()


def test_wacz_validate_command_accepts_it(output: Path, tmp_path: Path) -> None:
    path = write_wacz(output, tmp_path / "crawl.wacz").path
    assert validate_wacz(path) == []
    result = subprocess.run(
        [str(WACZ_CLI), "validate", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_tampered_package_fails_validation(output: Path, tmp_path: Path) -> None:
    good = write_wacz(output, tmp_path / "crawl.wacz").path
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "pages/pages.jsonl":
                data = data.replace(b"Two", b"Tw0")
            dst.writestr(item, data)
    assert validate_wacz(bad) != []


def test_open_files_are_left_out(output: Path, tmp_path: Path) -> None:
    (output / "warc" / "x-00009-h.warc.gz.open").write_bytes(b"being written")
    summary = write_wacz(output, tmp_path / "crawl.wacz")
    assert summary.skipped_open == 1
    assert validate_wacz(summary.path) == []


def test_nothing_to_package(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="crawl into"):
        write_wacz(tmp_path, tmp_path / "crawl.wacz")
    assert not (tmp_path / "crawl.wacz").exists()
