# Two commands for a newcomer: `make run` (set up and serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ONNX := .cache/grader/onnx/.exported
# The browser tests drive Debian's Chromium (pytest-playwright cannot download one here).
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test lint rubrics check demo-pictures faults screenshots

install: $(INSTALLED) $(ONNX)

# Re-install whenever the dependencies change. setuptools warns about every editable install of
# a flat layout ("Please be careful with folders ... with the same name as your package"):
# nothing to act on here, so it is not shown.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation:UserWarning" $(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The served model: ONNX fp32, q8 and int8, exported from the bundled model, and the key-point
# judge (about 20 s; again when the shipped judge or the exported graph changes).
$(ONNX): $(INSTALLED) grader/learning/onnx_export.py $(wildcard grader/scoring/judge_model/*)
	$(BIN)/grader export-onnx
	touch $@

run: install
	$(BIN)/grader rubrics check
	$(BIN)/grader serve

test: install $(CHROMIUM)
	GRADER_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/pytest

# Installed when missing and this is root on Debian; otherwise says how.
$(CHROMIUM):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
		|| (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium); \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium" \
		     "(or make test CHROMIUM=/path/to/chromium)" >&2; exit 1; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

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

# The screenshots in docs/ui.md: a live server with a few answers, pages shot in Chromium.
screenshots: install $(CHROMIUM)
	GRADER_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/python bench/screenshots.py --out docs/ui
