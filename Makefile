# The project's commands. `make run` and `make test` are the README's two
# commands; both install whatever is missing first (scripts/bootstrap.sh).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
LAKE := $(PY) -m lakehouse
# LAKE_ENGINE=sail (default, lake .lake/) or spark (Apache Spark cluster, lake
# .lake-spark/); LAKE_ROOT overrides the lake folder.
DOCS_PORT ?= 8080
API_PORT ?= 8000
CI_SCHEMA ?= ci
# make test / test-fast run whole test files on this many workers (pytest-xdist);
# TEST_WORKERS=0 runs them in this process, one after another
TEST_WORKERS ?= 2
PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

.PHONY: help setup run next-day test test-fast up down status dbt docs docs-serve serve lineage prod-state slim-ci ci-teardown gc parse robustness bench lint fix clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## install Java (if absent) and the pinned Python packages into .venv
	@bash scripts/bootstrap.sh

run: setup  ## main job: sample data -> bronze -> silver/snapshots/gold + tests -> docs
	$(LAKE) run $(RUN_ARGS)

next-day: setup  ## land the next day of sample data and rebuild (snapshots record changes)
	$(LAKE) next-day $(RUN_ARGS)

test: setup  ## the whole test suite on $(TEST_WORKERS) workers (each starts and stops its own engines on free ports)
	@bash scripts/bootstrap.sh --test-tools
	$(PY) -m pytest $(PARALLEL) $(PYTEST_ARGS)

test-fast: setup  ## the fast tier: parsing, values, generator, config, dbt parse, lint, hooks (no engine)
	@bash scripts/bootstrap.sh --lint-tools
	$(PY) -m pytest -m fast $(PARALLEL) $(PYTEST_ARGS)

up: setup  ## start the local engine (Hive Metastore + Sail) and the warm dbt worker; leave them running
	$(LAKE) up

down:  ## stop the local engine and the dbt worker
	@$(LAKE) down

status:  ## is the local engine running?
	-@$(LAKE) status

dbt: setup  ## run dbt against the lake: make dbt ARGS="build -s stg_ecommerce__orders+"
	$(LAKE) dbt --keep-engine -- $(ARGS)

docs: setup  ## generate the docs site and serve it on http://127.0.0.1:8080 (DOCS_PORT)
	$(LAKE) docs --port $(DOCS_PORT)

docs-serve: setup  ## serve the docs site generated last (by make run or make docs)
	$(LAKE) docs --no-generate --port $(DOCS_PORT)

serve: setup  ## serve the CX metrics API on http://127.0.0.1:8000/api/metrics/summary (API_PORT)
	$(LAKE) serve --port $(API_PORT)

lineage: setup  ## column lineage: make lineage COL=<model>.<column> [ARGS=--filters]
	$(LAKE) lineage $(COL) $(ARGS)

prod-state: setup  ## build the prod target (prod_* schemas) and keep its manifest for slim CI
	$(LAKE) prod-state

slim-ci: setup  ## build only state:modified+ into $(CI_SCHEMA)_* schemas, defer the rest to prod, tear down
	$(LAKE) slim-ci --ci-schema $(CI_SCHEMA) $(SLIM_CI_ARGS)

ci-teardown: setup  ## drop the $(CI_SCHEMA)_* schemas (after slim-ci SLIM_CI_ARGS=--keep)
	$(LAKE) ci-teardown --ci-schema $(CI_SCHEMA)

gc: setup  ## delete table generations no table uses any more (engine must be up)
	$(LAKE) gc

TARGETS := local ci prod spark databricks_dev databricks_qa databricks_uat databricks_prod
parse: setup  ## dbt parse for every target, offline (no engine, no credentials needed)
	@for t in $(TARGETS); do echo "dbt parse --target $$t"; \
	  $(VENV)/bin/dbt parse --quiet --target $$t --profiles-dir . --target-path target/parse-$$t || exit 1; done

robustness: setup  ## hostile files (Sail and Spark) and faults on generated data: prints their tables
	$(PY) -m pytest -q -s tests/test_ingest_corpus.py tests/test_robustness.py

bench: setup  ## benchmark at scales 1 and 10, Sail vs Spark; LARGE=1 adds scale 100 (docs/benchmarks.md)
	$(PY) -m bench $(if $(LARGE),--large) $(BENCH_ARGS)

lint: setup  ## sqlfluff over models, snapshots, analyses and singular tests
	$(VENV)/bin/sqlfluff lint .

fix: setup  ## let sqlfluff fix what it can
	$(VENV)/bin/sqlfluff fix .

clean:  ## stop the engines and delete the lakes (all local data) and dbt's target/
	-@LAKE_ENGINE=sail $(LAKE) down 2>/dev/null
	-@LAKE_ENGINE=spark $(LAKE) down 2>/dev/null
	rm -rf $(if $(LAKE_ROOT),"$(LAKE_ROOT)",.lake .lake-spark) target logs
