# `make run` and `make test` set everything up on first use: a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: install run test test-server bench clean

install: $(STAMP)

# Reinstalls whenever pyproject.toml or the lock changes; otherwise does nothing.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[test]'
	$(BIN)/python -m assistant.embed --check
	touch $(STAMP)

run: install
	$(BIN)/assistant serve

test: install
	$(BIN)/python -m pytest

# The same tests against a running `chroma run` server: CHROMA=host:port (see .ci/run).
test-server: install
	ASSISTANT_TEST_CHROMA=$(CHROMA) $(BIN)/python -m pytest -m "not browser"

# What bench/ needs beyond the tests (llama-index's Chroma store); then every command of
# docs/benchmarks.md runs from a fresh clone. The benchmarks themselves take minutes each.
bench: $(BENCH_STAMP)
	@echo "bench/ is ready: see docs/benchmarks.md for the commands"

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[test,bench]'
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache
