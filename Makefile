# The two commands of the README: `make build` and `make test`. Both install what they need first.
PY := .venv/bin/python
GUIDEBOOK := .venv/bin/guidebook

.PHONY: build test setup setup-test check bench clean

build: setup
	$(GUIDEBOOK) build

test: setup-test
	$(PY) -m pytest -q

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

check: setup
	$(GUIDEBOOK) check

bench: setup-test
	$(PY) bench/run.py

clean:
	rm -rf output
