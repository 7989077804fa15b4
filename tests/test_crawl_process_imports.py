"""The crawl process imports only what it uses: start-up is on every crawl's clock.

Extraction runs in worker processes (``crawler.extraction_pool``); the crawl
process only receives ``ExtractedPage`` answers. Importing trafilatura,
htmldate, jusText and dateparser there would cost ~0.25 s of start-up on the
crawl's critical path for nothing, so the spider and every component the
settings name must load without them. The same holds for jsonschema (only to
explain an invalid row), feedparser (only with a feed) and rich (only for the
live status line).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

CODE = """
import json, sys
from scrapy.utils.misc import load_object
from crawler import settings
import crawler.cli
import crawler.spiders.news
names = [settings.SCHEDULER, settings.DUPEFILTER_CLASS, settings.STATS_CLASS]
names += settings.DOWNLOAD_HANDLERS.values()
for table in (settings.DOWNLOADER_MIDDLEWARES, settings.ITEM_PIPELINES, settings.EXTENSIONS):
    names += [name for name in table if isinstance(name, str)]
for name in names:
    load_object(name)
heavy = {"trafilatura", "htmldate", "justext", "dateparser", "crawler.extraction"}
heavy |= {"jsonschema", "feedparser", "rich"}  # each imported where it is first needed
print(json.dumps(sorted(m for m in sys.modules if m in heavy or m.split(".")[0] in heavy)))
"""


def test_crawl_components_import_no_extraction_stack() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


EXTENSIONS_CODE = """
import json, sys
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
settings = Settings()
settings.setmodule("crawler.settings", priority="project")
names = build_component_list(settings.getwithbase("EXTENSIONS"))
for name in names:
    load_object(name)
print(json.dumps({"names": names, "aiohttp": "aiohttp" in sys.modules}))
"""


def test_extensions_leave_out_the_remote_control_and_aiohttp() -> None:
    """Scrapy imports an extension before it reads its ``_ENABLED`` switch, and the
    remote control's module imports aiohttp (~0.25 s of start-up): it is not listed."""
    result = subprocess.run(
        [sys.executable, "-c", EXTENSIONS_CODE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout)
    assert loaded["aiohttp"] is False
    assert "scrapy.extensions.remote_control.RemoteControl" not in loaded["names"]
    for kept in ("corestats.CoreStats", "logstats.LogStats", "memusage.MemoryUsage"):
        assert f"scrapy.extensions.{kept}" in loaded["names"]
    assert "crawler.extraction_pool.ExtractionPool" in loaded["names"]


def test_extensions_base_is_scrapys_less_the_remote_control() -> None:
    """The settings spell Scrapy's list out (they are read before Scrapy is imported)."""
    from scrapy.settings.default_settings import EXTENSIONS_BASE as scrapys

    from crawler import settings

    remote = "scrapy.extensions.remote_control.RemoteControl"
    assert {k: v for k, v in scrapys.items() if k != remote} == settings.EXTENSIONS_BASE


def test_settings_module_imports_no_scrapy() -> None:
    """``workers_wanted`` reads the settings module before the workers start, and
    they start before Scrapy is imported, so that it costs them no time."""
    code = "import json, sys; import crawler.settings; print(json.dumps('scrapy' in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) is False
