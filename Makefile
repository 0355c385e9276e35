# The two set-up commands of the README are `make run` and `make test`; both work on a
# fresh machine with Python 3.11+ and make. Pelican's conventions: html, publish, serve.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Tests run in parallel on every core; browser tests share one Chromium per worker.
PYTEST_ARGS ?= -n auto

.PHONY: run html publish serve test test-fast lint bench clean install install-test browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, build the sample site and serve it on http://localhost:$(PORT)
run: install
	$(BIN)/python build.py serve --port $(PORT)

## html: build the site into output/
html: install
	$(BIN)/python build.py build

## publish: build for production (publishconf.py, strict)
publish: install
	$(BIN)/python build.py build --publish

## serve: serve output/ without rebuilding
serve: install
	$(BIN)/python build.py serve --no-build --port $(PORT)

## browser: install Chromium for the browser tests where it is missing
browser:
	@$(BIN)/python -m tests.support.ensure_chromium

## test: install the project with its test extras and Chromium, then run every test
test: install-test browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: skip the slow tests (full builds, browsers)
test-fast: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not slow"

lint: install-test
	$(BIN)/ruff check pipeline tests build.py pelicanconf.py publishconf.py

bench: install
	$(BIN)/python -m pipeline.bench

clean:
	rm -rf output .cache
