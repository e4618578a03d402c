# One command each, on a fresh machine with Python 3.11+:
#   make app     set up and open the app on the bundled example (http://localhost:8501)
#   make test    set up and run the tests
#   make demo    set up and compare an example scenario on the command line
#   make screenshots  every page in English and French at 1,400 px, as PNGs in out/screenshots/
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup app demo test bench screenshots clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py

demo: $(STAMP)
	$(BIN)/sourcing run scenarios/small-firm.yaml --replications 50 --workers 2

test: $(STAMP)
	$(BIN)/python -m pytest -q --numprocesses=auto --maxprocesses=4

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/compare.py --workers 2
	$(BIN)/python benchmarks/batch.py --replications 10
	$(BIN)/python benchmarks/whatif.py
	$(BIN)/python benchmarks/offers.py
	$(BIN)/python benchmarks/calibrate.py
	$(BIN)/python benchmarks/app.py

screenshots: $(STAMP)
	$(BIN)/python -m webapp.screenshots --out out/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
