# Everything a fresh machine needs: `make extract` and `make test` set up .venv first.
PY := .venv/bin/python

.PHONY: setup setup-system extract test test-slow bench clean
setup:
	@bash scripts/setup.sh

# the converters and browser that the tests drive (Debian packages; see the script)
setup-system:
	@bash scripts/setup-system.sh

extract: setup
	$(PY) -m gainlp.cli.main extract examples -o out

test: setup setup-system
	$(PY) -m pytest

test-slow: setup setup-system
	$(PY) -m pytest --run-slow -m slow

bench: setup
	$(PY) benchmarks/rules_throughput.py

clean:
	rm -rf .venv out
