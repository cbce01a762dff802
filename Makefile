# Emergency Desk — `make help` lists what you can do.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/emergency_desk
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help install run test lint format bench migrate seed fuzz fuzz-full

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## create .venv from the lock file (uv; installed with pip if missing)
	@scripts/bootstrap.sh

run: install ## the app on an embedded PostgreSQL under var/ (or DATABASE_URL): web + worker + beat; demo data
	@python scripts/desk.py run

test: install ## the whole test suite on PostgreSQL + Redis + a real Celery worker + headless Chromium
	@scripts/system-deps.sh
	@scripts/services.sh
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) pytest $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 200
FUZZ_ROLES ?= rotate
FUZZ_BUDGET_SECONDS ?= 0
FUZZ_LOG ?=
FUZZ_SHARD ?= 1/1
FUZZ_ONLY ?=
# pytest-timeout per operation (pyproject's 300 s is for the suite): an every-role operation may take minutes.
FUZZ_TIMEOUT ?= 3600

fuzz: install ## schemathesis, whole schema: FUZZ_EXAMPLES (200)/operation, the ten roles in turn (CI's run)
	@scripts/system-deps.sh
	@scripts/services.sh
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		FUZZ_ROLES=$(FUZZ_ROLES) FUZZ_BUDGET_SECONDS=$(FUZZ_BUDGET_SECONDS) FUZZ_LOG=$(FUZZ_LOG) FUZZ_SHARD=$(FUZZ_SHARD) \
		FUZZ_ONLY='$(FUZZ_ONLY)' \
		pytest tests/security/test_api_fuzz.py -q -rs --timeout=$(FUZZ_TIMEOUT) $(PYTEST_ARGS)

fuzz-full: ## issue 14: 200 examples/operation, each sent as EVERY role (FUZZ_ROLES=gm,agent: one shard); hours
	@mkdir -p var
	$(MAKE) fuzz FUZZ_ROLES=$(if $(filter rotate,$(FUZZ_ROLES)),all,$(FUZZ_ROLES)) \
		FUZZ_LOG=$(or $(FUZZ_LOG),var/fuzz-full.jsonl)

lint: install ## ruff (lint + format check), mypy and the layers contract (import-linter)
	ruff check .
	ruff format --check .
	DEBUG=1 mypy core teams incidents escalation monitoring reports measures security desk ops config
	lint-imports

format: install ## apply ruff's formatting and safe fixes
	ruff check --fix .
	ruff format .

bench: install ## benchmarks of DESIGN §8 (PostgreSQL + Redis), figures and ratios side by side
	@scripts/services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) python -m bench $(BENCH_ARGS)

migrate: install ## apply migrations to the configured database (DATABASE_URL, else the embedded one)
	python scripts/desk.py manage migrate

seed: install ## seed the demo organisation and users (idempotent)
	python scripts/desk.py manage seed_demo

.PHONY: load backup restore
LOAD_ARGS ?= --users 30 --duration 120s

load: install ## full-stack load test: gunicorn + worker + PostgreSQL + Redis, locust headless (LOAD_ARGS)
	@scripts/services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) python -m load $(LOAD_ARGS)

backup: install ## back up the configured database (pg_dump -Fc) and media into var/backups/<UTC time>
	python scripts/desk.py manage backup $(if $(BACKUP),--output $(BACKUP),)

restore: install ## restore a backup into the configured database and media: make restore BACKUP=dir
	@test -n "$(BACKUP)" || (echo "usage: make restore BACKUP=var/backups/<dir>" && exit 2)
	python scripts/desk.py manage restore $(BACKUP)
