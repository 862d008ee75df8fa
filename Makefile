# Everyday commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.DEFAULT_GOAL := help
.PHONY: help run dev test test-fast lint format typecheck check bench faults lock clean

help: ## List the everyday commands
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Pinned by constraints.txt, so every install (and the CI) gets the versions tested.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@ $(STAMP)

run: $(STAMP) ## Install and start the whole platform with demo data (esante dev)
	$(BIN)/esante dev

dev: run

# One worker per logical CPU (each with an embedded stack of its own), at most
# TEST_WORKERS_MAX; `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= logical
TEST_WORKERS_MAX ?= 4

test: $(TEST_STAMP) ## Install with test extras and run the whole suite
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses $(TEST_WORKERS_MAX)

test-fast: $(TEST_STAMP) ## Run the suite without end-to-end process tests
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses $(TEST_WORKERS_MAX) -m "not e2e and not faults"

lint: $(TEST_STAMP) ## Ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP) ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(TEST_STAMP) ## mypy
	$(BIN)/mypy api actors streams domain scheduler config infra

check: lint typecheck test ## Lint, typecheck and test

bench: $(TEST_STAMP) ## Run the benchmarks, write bench/results/latest.md
	$(BIN)/python -m bench

faults: $(TEST_STAMP) ## Run the heavy fault-injection runs (kill -9 under load)
	$(BIN)/pytest tests/faults -m faults

lock: ## Re-resolve the dependencies of pyproject.toml into constraints.txt
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[test]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .lock-venv

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
