# The template's own tasks. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: help bake test test-fast lint bench bench-quick lock upgrade clean

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/pytest: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

bake: $(BIN)/pytest ## generate a project with the default answers into ./build
	$(BIN)/cookiecutter . --no-input --overwrite-if-exists -o build

test: $(BIN)/pytest ## the whole test suite: bake, static checks, the projects' own tests, Docker
	$(BIN)/pytest

test-fast: $(BIN)/pytest ## everything but the Docker tests
	$(BIN)/pytest -m "not docker"

lint: $(BIN)/pytest ## every hook of .pre-commit-config.yaml on every file: ruff, mypy, shellcheck, YAML/TOML/JSON, ...
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

bench: $(BIN)/pytest ## the Dockerfile vs three reference ones (builds, size, start, serving), the inner loop (Docker)
	$(BIN)/python -m benchmarks.compare

bench-quick: $(BIN)/pytest ## the same, one run with 3 s of load: proves the benchmark works (CI)
	$(BIN)/python -m benchmarks.compare --quick

lock: $(BIN)/pytest ## after editing the generated requirements*.in: write the template's locks again
	$(BIN)/python -m tooling.locks

upgrade: $(BIN)/pytest ## move the template's locks to the newest versions requirements*.in allow
	$(BIN)/python -m tooling.locks --upgrade

clean: ## remove the virtualenv and baked projects
	rm -rf $(VENV) build .pytest_cache
