# The template's own tasks. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: help bake test test-fast lint bench clean

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

lint: $(BIN)/pytest ## ruff over the template's own code
	$(BIN)/ruff check hooks tests
	$(BIN)/ruff format --check hooks tests

bench: $(BIN)/pytest ## print image size and build/rebuild times of the default project (needs Docker)
	$(BIN)/python -m benchmarks.image

clean: ## remove the virtualenv and baked projects
	rm -rf $(VENV) build .pytest_cache
