# Perlinsos: `make run` sets up and runs a real load on the committed sample; `make test` runs the tests.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install run test ui sample clean

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf 'telemetry:\n  enabled: false\nrun_retries:\n  enabled: true\nconcurrency:\n  pools:\n    default_limit: 1\n  runs:\n    max_concurrent_runs: 4\n    tag_concurrency_limits:\n      - key: perlinsos/landing_folder\n        value:\n          applyLimitPerUniqueValue: true\n        limit: 1\n' > $@

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) (Python 3.11) on PATH; set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,celery]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/perlinsos load --extracts data/sample --warehouse warehouse/perlinsos.duckdb --exports exports

test: $(STAMP)
	$(BIN)/pytest

ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml

sample: $(STAMP)
	$(BIN)/perlinsos synth --persons 5000 --seed 20261101 --districts 35.10.15,35.10.12 --load-date 2026-11-01 --out data/sample

clean:
	rm -rf warehouse exports .dagster_home
