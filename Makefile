# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint install contracts clean bench bench-peer lock browser

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/dvk up --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The browser tests drive Debian's Chromium (Playwright downloads nothing); install it when it is missing.
browser:
	@test -x /usr/bin/chromium || apt-get install -y --no-install-recommends chromium \
		|| (apt-get update && apt-get install -y --no-install-recommends chromium)

test: $(STAMP) lint browser
	$(BIN)/pytest -q

contracts: $(STAMP)
	$(BIN)/dvk contracts

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The same run with the `eventsourcing` library measured beside the platform (the optional `bench` extra).
bench-peer: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks.run --peer

clean:
	rm -rf $(VENV) .dvk-data .pytest_cache

# Refresh the pinned versions every install uses (after changing pyproject.toml's ranges), then commit.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv
