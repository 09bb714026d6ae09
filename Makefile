# Everything a fresh machine needs: `make extract` and `make test` set up .venv first.
PY := .venv/bin/python

.PHONY: setup extract test test-slow bench clean
setup:
	@bash scripts/setup.sh

extract: setup
	$(PY) -m gainlp.cli.main extract examples -o out

test: setup
	$(PY) -m pytest

test-slow: setup
	$(PY) -m pytest --run-slow -m slow

bench: setup
	$(PY) benchmarks/rules_throughput.py

clean:
	rm -rf .venv out
