# The project's commands. `make run` and `make test` are the README's two
# commands; both install whatever is missing first (scripts/bootstrap.sh).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
LAKE := $(PY) -m lakehouse
export LAKE_ROOT ?= $(CURDIR)/.lake

.PHONY: help setup run next-day test up down status dbt docs-serve gc lint fix clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## install Java (if absent) and the pinned Python packages into .venv
	@bash scripts/bootstrap.sh

run: setup  ## main job: sample data -> bronze -> silver/snapshots/gold + tests -> docs
	$(LAKE) run $(RUN_ARGS)

next-day: setup  ## land the next day of sample data and rebuild (snapshots record changes)
	$(LAKE) next-day $(RUN_ARGS)

test: setup  ## the whole test suite (starts and stops its own engine on free ports)
	$(PY) -m pytest $(PYTEST_ARGS)

up: setup  ## start the local engine (Hive Metastore + Sail) and leave it running
	$(LAKE) up

down:  ## stop the local engine
	@$(LAKE) down

status:  ## is the local engine running?
	-@$(LAKE) status

dbt: setup  ## run dbt against the lake: make dbt ARGS="build -s stg_ecommerce__orders+"
	$(LAKE) dbt --keep-engine -- $(ARGS)

docs-serve: setup  ## serve the generated docs site on http://127.0.0.1:8080
	$(VENV)/bin/dbt docs serve --port 8080 --host 127.0.0.1 --no-browser --profiles-dir .

gc: setup  ## delete table generations no table uses any more (engine must be up)
	$(LAKE) gc

lint: setup  ## sqlfluff over models, snapshots, analyses and singular tests
	$(VENV)/bin/sqlfluff lint .

fix: setup  ## let sqlfluff fix what it can
	$(VENV)/bin/sqlfluff fix .

clean:  ## stop the engine and delete the lake (all local data) and dbt's target/
	-@$(LAKE) down 2>/dev/null
	rm -rf "$(LAKE_ROOT)" target logs
