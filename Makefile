# The two commands of the README: `make build` and `make test`. Both install what they need first.
PY := .venv/bin/python
GUIDEBOOK := .venv/bin/guidebook

.PHONY: build test test-fast setup setup-test check bench clean lock

build: setup
	$(GUIDEBOOK) build

test: setup-test
	$(PY) -m pytest -q

# The fast tier (tests/unit): catalogue, document tree, flow graphs, diff, cache keys, schema; it imports
# neither WeasyPrint nor python-docx. The other tiers: tests/render (PDF, Word, builds), tests/browser.
test-fast: setup-test
	$(PY) -m pytest -q tests/unit

# Refresh requirements.lock (exact versions and hashes of every library, test tools included) from
# pyproject.toml's ranges. Run deliberately, then run `make test` and commit the new lock.
lock:
	python3 -m venv .cache/pip-tools && .cache/pip-tools/bin/pip install -q pip-tools
	.cache/pip-tools/bin/pip-compile -q --extra test --generate-hashes --no-emit-find-links --no-emit-index-url \
	  --strip-extras --allow-unsafe -o requirements.lock pyproject.toml

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

check: setup
	$(GUIDEBOOK) check

bench: setup-test
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf output
