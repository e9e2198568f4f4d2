# The two commands in README: `make sandbox` and `make test`. Each installs what is missing first.
.PHONY: sandbox test install install-tests

sandbox: install
	.venv/bin/carerline sandbox

test: install-tests
	.venv/bin/python -m pytest

install:
	./scripts/install.sh

install-tests:
	./scripts/install.sh --tests
