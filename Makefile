# Two commands on a fresh clone: `make demo` and `make test`. Both create .venv and install into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_PDF ?= out/fixfirst-demo.pdf

.PHONY: demo test test-fast lint bench accuracy sample wheel clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/fixfirst demo -o $(DEMO_PDF)

# Lint, types and the layer contract first (each fails the run on any finding), then the whole suite. CI runs this.
test: lint
	$(BIN)/python -m pytest -q

# ruff's rule set, mypy's settings and the layers contract are in pyproject.toml; docs/development.md explains them.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The suite without the tests marked slow (wheel build, full PDF renders, whole businesses generated and audited), on
# two workers: about 40 s on 2 cores, for the edit-test loop. `make test` runs everything, and is what CI runs.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# Each benchmark reports and exits 0 whatever its figures; the last line prints every target of benchmarks/README.md
# as PASS/FAIL (a benchmark that crashed is still followed by the others and the table, which then fails the run).
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/targets.py --start
	$(BIN)/python benchmarks/make_inputs.py
	-$(BIN)/python benchmarks/run.py
	-$(BIN)/python benchmarks/ingest.py
	-$(BIN)/python benchmarks/signals.py
	-$(BIN)/python benchmarks/dfg.py
	-$(BIN)/python benchmarks/capacity.py
	$(BIN)/python benchmarks/targets.py

accuracy: $(VENV)/.installed-test
	$(BIN)/python benchmarks/accuracy.py

sample: $(VENV)/.installed
	$(BIN)/python samples/generate.py samples/juniper-lark

wheel: $(VENV)/.installed-test
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build out .pytest_cache
