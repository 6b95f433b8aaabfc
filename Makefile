# dsqlcost: every target sets itself up (Python venv, and for tests PostgreSQL, Chromium and
# LibreOffice where missing), so each works on a fresh clone.
VENV ?= .venv
PY := $(VENV)/bin/python
SAMPLE ?= sample_stats/saas

.PHONY: setup system report test test-fast check lint format samples bench bench-all screenshots clean

setup:
	@scripts/setup.sh

system:
	@scripts/ensure_system.sh postgres chromium libreoffice

## The main job: the cost report on the bundled sample.
report: setup
	$(VENV)/bin/dsqlcost report $(SAMPLE)

## All tests (unit, golden, integration against a real PostgreSQL, browser, LibreOffice).
test: setup system
	$(PY) -m pytest -q

## The inner loop: everything but the real PostgreSQL, Chromium, LibreOffice and fuzz tests, on all cores.
test-fast: setup
	$(PY) -m pytest -q -m "not slow" -n auto

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: lint test

## Regenerate sample_stats/ against a real local PostgreSQL.
samples: setup
	@scripts/ensure_system.sh postgres
	$(PY) -m scripts.make_samples

## Screenshots of every dashboard page and the HTML report (taken by the browser tests) for the README.
screenshots: setup system
	DSQLCOST_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/browser/test_browser_issue17.py -k screenshots

## Benchmarks: print figures and ratios (not timed tests). `bench` prints the scale figures against
## their floors in one run (benchmarks/bench_floors.py); `bench-all` runs every benchmark.
bench: setup
	$(PY) -m benchmarks floors

bench-all: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
