# Two commands do all the set-up on a fresh machine:
#   make demo   — create .venv, install newsthread, run `newsthread demo`
#   make test   — create .venv, install newsthread + test tools (+ Chromium, PostgreSQL), run ruff + pytest
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test lint install system-deps bench quality clean

$(BIN)/newsthread: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/newsthread

demo: install
	$(BIN)/newsthread demo

system-deps:
	@bash scripts/install_system_deps.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install system-deps lint
	$(BIN)/pytest -q

quality: install
	$(BIN)/python bench/quality.py

bench: install
	$(BIN)/python bench/parse_lang.py
	$(BIN)/python bench/threads_speed.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
