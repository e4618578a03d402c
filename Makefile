# One command each, on a fresh machine with Python 3.11+:
#   make app     set up and open the app on the bundled example (http://localhost:8501)
#   make test    set up, check the layers (import-linter) and run the tests
#   make demo    set up and compare an example scenario on the command line
#   make screenshots  every page in English and French at 1,400 px, as PNGs in out/screenshots/
#   make constraints  refresh constraints.txt: the newest versions pyproject.toml allows, kept only if the suite passes
# Every install takes the exact versions of constraints.txt, the ones the suite last passed on.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := constraints.txt
INSTALL = python -m pip install --quiet --constraint $(CONSTRAINTS)
TEST = python -m pytest -q --numprocesses=auto --maxprocesses=4
LINT = lint-imports --no-cache
FRESH ?= $(or $(TMPDIR),/tmp)/sourcing-constraints-venv

.PHONY: setup app demo test bench store screenshots constraints clean

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PY) -m venv $(VENV)
	$(BIN)/$(INSTALL) --upgrade pip
	$(BIN)/$(INSTALL) -e '.[test]'
	$(BIN)/python -m pip check
	touch $(STAMP)

setup: $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run server.py

demo: $(STAMP)
	$(BIN)/sourcing run scenarios/small-firm.yaml --replications 50 --workers 2

test: $(STAMP)
	$(BIN)/$(LINT)
	$(BIN)/$(TEST)

bench: $(STAMP)
	$(BIN)/$(INSTALL) -e '.[bench]'
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/compare.py --workers 2
	$(BIN)/python benchmarks/batch.py --replications 10
	$(BIN)/python benchmarks/whatif.py
	$(BIN)/python benchmarks/offers.py
	$(BIN)/python benchmarks/calibrate.py
	$(BIN)/python benchmarks/app.py

store: $(STAMP)
	$(BIN)/sourcing batch scenarios/batches/email-prices.yaml --store runs/email.duckdb --workers 2

screenshots: $(STAMP)
	$(BIN)/python -m webapp.screenshots --out out/screenshots

# A fresh virtual environment outside the project (FRESH) on the newest releases the ranges of
# pyproject.toml allow, without constraints; its exact versions replace constraints.txt only once the
# suite has passed on them. .github/workflows/refresh-constraints.yml runs it every week.
constraints:
	rm -rf $(FRESH)
	$(PY) -m venv $(FRESH)
	$(FRESH)/bin/python -m pip install --quiet --upgrade pip
	$(FRESH)/bin/python -m pip install --quiet -e '.[test,bench]'
	$(FRESH)/bin/python -m pip check
	{ echo "# Exact versions the suite passed on (Python $$($(FRESH)/bin/python -c 'import platform; print(*platform.python_version_tuple()[:2], sep=".")')),"; \
	  echo "# the newest that the ranges of pyproject.toml allowed when it was written (see its commit)."; \
	  echo "# Every install uses them (make, .ci/run); written by 'make constraints', not by hand."; \
	  $(FRESH)/bin/python -m pip freeze --all --exclude-editable | grep -iv '^sourcing[= @]'; \
	} > $(FRESH)/constraints.txt
	$(FRESH)/bin/$(LINT)
	$(FRESH)/bin/$(TEST)
	cp $(FRESH)/constraints.txt $(CONSTRAINTS)
	rm -rf $(FRESH)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
