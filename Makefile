# Each target sets up .venv from pyproject.toml on first use, so a fresh clone needs only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup test demo fuzz bench notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow" tests notebooks --nbmake

demo: $(STAMP)
	$(BIN)/python -m tinygrad_ku.demo

fuzz: $(STAMP)
	TG_FUZZ_PROFILE=long $(BIN)/python -m pytest -n 2 -q -m slow tests

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	$(BIN)/jupyter lab notebooks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
