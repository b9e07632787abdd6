# Each target sets up .venv from pyproject.toml on first use, so a fresh clone needs only Python 3.11.
# Two stamps, one venv: `make demo` installs only the package and its runtime dependencies
# (seconds on a fresh clone); `make test` adds the [dev] extras to the same venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev
STAMP  := $(DEV_STAMP)

.PHONY: setup test demo fuzz bench notebooks clean

setup: $(DEV_STAMP)

$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): $(RUNTIME_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow" tests notebooks --nbmake

demo: $(RUNTIME_STAMP)
	$(BIN)/python -m tinygrad_ku.demo

fuzz: $(STAMP)
	TG_FUZZ_PROFILE=long $(BIN)/python -m pytest -n 2 -q -m slow tests

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py

notebooks: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
