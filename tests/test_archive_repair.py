"""Repair of leftover ``.open`` files: cut to the last complete record, rename, lose nothing."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive import HttpExchange, WarcWriter, check_warc, iter_records
from archive.repair import repair_open_file, repair_open_files

ROOT = Path(__file__).resolve().parent.parent
WARCIO = Path(sys.executable).parent / "warcio"
START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def _clock() -> Callable[[], datetime]:
    ticks = iter(range(1_000_000))
    return lambda: START + timedelta(milliseconds=next(ticks))


def _ids() -> Callable[[], str]:
    counter: Iterator[int] = iter(range(1, 1_000_000))
    return lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(counter):012d}>"


def _open_file(directory: Path, pairs: int) -> tuple[Path, list[tuple[int, int, str]]]:
    """An ``.open`` file left as a crash would leave it, and its (offset, length, type)s."""
    writer = WarcWriter(
        directory, prefix="t", hostname="h", clock=_clock(), record_id_factory=_ids()
    )
    for n in range(pairs):
        writer.write_exchange(
            HttpExchange(url=f"https://news.example/{n}", body=b"<p>%d</p>" % n * 50)
        )
    path = writer.current_file
    assert path is not None
    spans = [(r.offset, r.length, r.rec_type) for r in iter_records(path)]
    return path, spans  # never closed: like a crash


def _cut(path: Path, size: int) -> None:
    with path.open("r+b") as fh:
        fh.truncate(size)


@pytest.mark.parametrize(
    ("where", "kept_types", "action"),
    [
        pytest.param(
            lambda s: s[-1][0] + s[-1][1],
            ["warcinfo", "response", "request"] * 1,
            "renamed",
            id="intact",
        ),
        pytest.param(
            lambda s: s[-1][0] + s[-1][1] // 2,
            ["warcinfo", "response"],
            "truncated",
            id="mid-request",
        ),
        pytest.param(
            lambda s: s[-1][0] + 1, ["warcinfo", "response"], "truncated", id="request-header-byte"
        ),
        pytest.param(
            lambda s: s[-1][0] + s[-1][1] - 1,
            ["warcinfo", "response"],
            "truncated",
            id="request-trailer-missing-a-byte",
        ),
        pytest.param(
            lambda s: s[1][0] + s[1][1] // 3, ["warcinfo"], "truncated", id="mid-response"
        ),
    ],
)
def test_cut_points(
    tmp_path: Path,
    where: Callable[[list[tuple[int, int, str]]], int],
    kept_types: list[str],
    action: str,
) -> None:
    path, spans = _open_file(tmp_path, 1)
    _cut(path, where(spans))
    result = repair_open_file(path)
    assert result.action == action
    assert result.path == path.with_name(path.name.removesuffix(".open"))
    assert not path.exists()
    assert [r.rec_type for r in iter_records(result.path)] == kept_types
    assert result.records == len(kept_types)
    assert check_warc(result.path) == []


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(0, id="empty"),
        pytest.param(10, id="gzip-header"),
        pytest.param(-1, id="warcinfo-minus-one-byte"),
    ],
)
def test_files_without_a_complete_record_are_deleted(tmp_path: Path, size: int) -> None:
    path, spans = _open_file(tmp_path, 1)
    _cut(path, size if size >= 0 else spans[0][1] - 1)
    (result,) = repair_open_files(tmp_path)
    assert result.action == "deleted"
    assert "deleted" in result.describe()
    assert list(tmp_path.iterdir()) == []


def test_garbage_after_the_last_record_is_cut(tmp_path: Path) -> None:
    path, spans = _open_file(tmp_path, 2)
    with path.open("ab") as fh:
        fh.write(b"\x1f\x8b\x08garbage that is not deflate")
    result = repair_open_file(path)
    assert result.action == "truncated"
    assert result.cut_bytes == len(b"\x1f\x8b\x08garbage that is not deflate")
    assert result.records == len(spans) == 5


def test_complete_gzip_member_that_is_not_a_record_is_cut(tmp_path: Path) -> None:
    import gzip

    path, spans = _open_file(tmp_path, 1)
    with path.open("ab") as fh:
        fh.write(gzip.compress(b"not a WARC record\r\n\r\n"))
    result = repair_open_file(path)
    assert result.records == len(spans)
    assert result.path is not None
    assert check_warc(result.path) == []


def test_existing_final_name_is_left_alone(tmp_path: Path) -> None:
    path, _ = _open_file(tmp_path, 1)
    final = path.with_name(path.name.removesuffix(".open"))
    final.write_bytes(b"someone else's")
    (result,) = repair_open_files(tmp_path)
    assert result.action == "skipped"
    assert path.exists()
    assert final.read_bytes() == b"someone else's"


def test_closed_files_and_missing_directory_are_untouched(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, prefix="t", hostname="h") as writer:
        writer.write_exchange(HttpExchange(url="https://news.example/"))
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    assert repair_open_files(tmp_path) == []
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert repair_open_files(tmp_path / "nope") == []


# A writer in a loop that prints each response id once write_exchange returned
# (the pair is flushed then). Bodies are random bytes up to 40 kB, so a kill
# often lands inside a record that is only partly in the file.
_WRITER = textwrap.dedent(
    """
    import os, random, sys
    from archive import HttpExchange, WarcWriter
    rng = random.Random(int(sys.argv[2]))
    writer = WarcWriter(sys.argv[1], prefix="kill", hostname="h", max_bytes=60_000)
    print("ready", flush=True)
    n = 0
    while True:
        body = os.urandom(rng.randrange(0, 40_000))
        loc = writer.write_exchange(HttpExchange(url=f"https://news.example/{n}", body=body))
        print(loc.record_id, flush=True)
        n += 1
        if n % 7 == 0:
            writer.write_metadata(f"https://news.example/{n}", loc.record_id, {"n": n})
    """
)


@pytest.mark.parametrize("seed", [pytest.param(seed, id=f"kill-{seed:02d}") for seed in range(20)])
def test_kill_9_then_repair_loses_nothing_complete(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    wanted = rng.randrange(0, 25)
    ids = [proc.stdout.readline().strip() for _ in range(wanted)]
    time.sleep(rng.random() * 0.01)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    ids += [line for line in out.splitlines() if line]
    assert proc.returncode == -signal.SIGKILL

    results = repair_open_files(tmp_path)
    assert {r.action for r in results} <= {"renamed", "truncated", "deleted"}
    assert not list(tmp_path.glob("*.open"))
    files = sorted(tmp_path.glob("*.warc.gz"))
    for path in files:
        assert check_warc(path) == [], path.name
    if files:
        warcio = subprocess.run(
            [str(WARCIO), "check", *map(str, files)], capture_output=True, text=True, check=False
        )
        assert warcio.returncode == 0, warcio.stdout + warcio.stderr
    archived = {r.record_id for path in files for r in iter_records(path)}
    assert set(ids) <= archived
