"""``python -m archive FILE.warc.gz...``: check WARC files (``archive.check.main``)."""

import sys

from archive.check import main

sys.exit(main())
