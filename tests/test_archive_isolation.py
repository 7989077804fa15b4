"""The archive layer is plain Python: importing it pulls in neither scrapy nor twisted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("import archive", id="package"),
        pytest.param("from archive import check, reader, writer", id="modules"),
        pytest.param("from archive import dedup, index, repair, wacz", id="new-modules"),
    ],
)
def test_archive_imports_no_scrapy_or_twisted(statement: str) -> None:
    code = (
        f"{statement}\n"
        "import json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'scrapy', 'twisted'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
