# The two commands in README: `make sandbox` and `make test`. Each installs what is missing first.
.PHONY: sandbox test install install-tests

sandbox: install
	.venv/bin/carerline sandbox

# One pytest worker per core (at most 4); each worker starts its own PostgreSQL server.
test: install-tests
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -n auto --maxprocesses=4

install:
	./scripts/install.sh

install-tests:
	./scripts/install.sh --tests
