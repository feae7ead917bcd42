# The two README commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-accuracy clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

test: $(STAMP)
	$(PY) -m ruff check guard tests bench
	$(PY) -m mypy
	$(PY) -m guard rules check
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check guard tests bench
	$(PY) -m mypy

bench-accuracy: $(STAMP)
	bash bench/setup.sh
	$(PY) bench/accuracy.py

bench: $(STAMP)
	bash bench/setup.sh
	$(PY) bench/accuracy.py
	$(PY) bench/perf.py --json bench/out/perf.json --markdown bench/out/perf.md
	$(PY) bench/floor.py --markdown bench/out/floor.md

clean:
	rm -rf $(VENV) .bench-venv build dist *.egg-info
