# One-word entry points. Everything runs from a local virtualenv (.venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUTPUT ?= output
PYTEST_ARGS ?=

.PHONY: install install-test demo serve test lint format bench-extraction bench-crawl clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# pywb (the replay test's archive player) lives in its own venv: its pins
# (brotlipy, pyOpenSSL<26.2) would break Scrapy's brotli and TLS stack.
PYWB_VERSION := 2.10.0
$(VENV)-pywb/.installed:
	$(PYTHON) -m venv $(VENV)-pywb
	$(VENV)-pywb/bin/pip install --quiet pywb==$(PYWB_VERSION)
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test $(VENV)-pywb/.installed

demo: install ## crawl the bundled demo news site (offline) into $(OUTPUT)/
	$(BIN)/newscrawl demo --output $(OUTPUT)

serve: install ## serve the demo site on 127.0.0.1 until Ctrl-C
	$(BIN)/newscrawl demo --serve

test: install-test ## the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler archive

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ARTICLES ?= 2000
# Rounds of every contender; the summary takes each one's median (wall times
# on a shared machine move by ~15% from run to run).
REPEAT ?= 3
bench-crawl: install ## crawl throughput: extraction limit vs naive crawler vs product (needs nginx)
	$(BIN)/python -m benchmarks.crawl --articles $(ARTICLES) --repeat $(REPEAT)

bench-extraction: install ## extraction quality vs plain trafilatura on ../shared/extraction-dev
	$(BIN)/python -m benchmarks.extraction $(if $(EXTRACTION_DEV),--data $(EXTRACTION_DEV))

clean:
	rm -rf $(OUTPUT) .pytest_cache .ruff_cache .mypy_cache
