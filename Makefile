PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-all bench bench-extraction audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/crawler demo

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-all: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench-extraction: $(TEST_STAMP)
	$(BIN)/python bench/extraction.py

bench: $(TEST_STAMP)
	$(BIN)/python bench/throughput.py $(BENCH_ARGS)

audit: $(TEST_STAMP)
	bash .ci/audit

clean:
	rm -rf $(VENV) news.db news.db-wal news.db-shm .pytest_cache
