# The README's commands. `make run` and `make test` set up everything they need.
VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(PY) -m rasa
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false

.PHONY: run test fuzz chat train validate bench bench-fast bench-thresholds bench-massive bench-load bench-validation bench-search lint evaluate check-knowledge venv

$(VENV)/.installed: requirements.lock scripts/bootstrap.sh
	bash scripts/bootstrap.sh

venv: $(VENV)/.installed

## Train a model if none matches the current data and config, then serve.
run: venv
	$(PY) -m bot.cli run

## The whole test suite (trains the test model once per run if needed); installs
## Debian's Chromium and CJK fonts first when they are missing (or says how).
test: venv
	bash scripts/system_packages.sh
	$(PY) -m pytest

## Hypothesis fuzzing of every parser of outside input, 10,000 inputs per target (docs/security.md).
fuzz: venv
	SOBA_FUZZ_EXAMPLES=10000 SOBA_FUZZ_HTTP_EXAMPLES=1000 $(PY) -m pytest tests/security/test_fuzz.py -q -s

## Talk to the bot in the terminal.
chat: venv
	$(PY) -m bot.cli chat

train: venv
	$(PY) -m bot.cli train

validate: venv
	$(RASA) data validate --data data --domain domain.yml --config config.yml

check-knowledge: venv
	$(PY) -m bot.cli check-knowledge

evaluate: venv
	$(PY) -m bot.cli evaluate

## Soba vs DIET+ResponseSelector vs Rasa's stock pipeline vs TF-IDF+LR on both held-out sets.
bench: venv
	$(PY) -m bench.intent_benchmark --dataset soba

## Soba alone (seconds, not an hour): the loop for data and thresholds.
bench-fast: venv
	$(PY) -m bench.intent_benchmark --dataset soba --systems soba

## Soba alone, and write its chosen thresholds into settings.yml.
bench-thresholds: venv
	$(PY) -m bench.intent_benchmark --dataset soba --systems soba --write-settings

## Soba and the TF-IDF baseline on 13 MASSIVE locales (../shared/eval/massive), stock Rasa on ja-JP and en-US, top-1.
bench-massive: venv
	$(PY) -m bench.intent_benchmark --dataset massive --systems soba,tfidf,stock

## Load: Soba as `make run` starts it and stock `rasa init` side by side, 1/10/50/100 concurrent conversations over REST.
bench-load: venv
	$(PY) -m bench.load_benchmark

## Checking an action server response: Rasa's jsonschema.validate vs the validator built once (bot/rasa_patches.py).
bench-validation: venv
	$(PY) -m bench.validation_benchmark

## The FAQ keyword search on localgovFAQ (../shared/eval/localgovfaq), next to the published systems.
bench-search: venv
	$(PY) -m bench.search_benchmark

## ruff, and the layer contracts of .importlinter (DESIGN.md "Where things go").
lint: venv
	$(PY) -m ruff check bot actions tests bench
	$(VENV)/bin/lint-imports
