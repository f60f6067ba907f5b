# The two commands of README.md (`make tables`, `make test`); each runs the idempotent set-up first.
VENV ?= .venv
export MVC_VENV := $(VENV)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup tables test

setup:
	bash scripts/setup.sh

tables: setup
	snakemake --cores all results/tables

test: setup
	ruff check .
	python -m pytest
