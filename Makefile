# Two commands on a fresh clone: `make demo` and `make test`. Both create .venv and install into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_PDF ?= out/fixfirst-demo.pdf

.PHONY: demo test bench accuracy sample wheel clean

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

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/make_inputs.py
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/signals.py
	$(BIN)/python benchmarks/capacity.py

accuracy: $(VENV)/.installed-test
	$(BIN)/python benchmarks/accuracy.py

sample: $(VENV)/.installed
	$(BIN)/python samples/generate.py samples/juniper-lark

wheel: $(VENV)/.installed-test
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build out .pytest_cache
