# Two commands for a newcomer: `make run` (set up and serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ONNX := .cache/grader/onnx/.exported

.PHONY: install run test lint rubrics check demo-pictures faults

install: $(INSTALLED) $(ONNX)

# Re-install whenever the dependencies change.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The served model: ONNX fp32 and int8, exported from the bundled model (about 10 s).
$(ONNX): $(INSTALLED)
	$(BIN)/grader export-onnx
	touch $@

run: install
	$(BIN)/grader rubrics check
	$(BIN)/grader serve

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

rubrics: install
	$(BIN)/grader rubrics generate content/deep-learning-exam.md

check: install
	$(BIN)/grader rubrics check

# The pictures in docs/demos.md.
demo-pictures: install
	for demo in $$($(BIN)/python -c "from grader.demos.registry import DEMOS; print(' '.join(DEMOS))"); do \
		$(BIN)/grader demo run $$demo --png docs/demos/$$demo.png > /dev/null; \
	done

# Kill -9 and freeze what the service depends on under load, then count (docs/reliability.md).
faults: install
	$(BIN)/python bench/fault_harness.py --json-out docs/reliability.json
