"""Fail a test when anything logs a traceback or an error: hostile input must be answered, never crash."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if _is_an_earlier_tests_leftover(record):
            return
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)


def _is_an_earlier_tests_leftover(record: logging.LogRecord) -> bool:
    """asyncio reports a task an earlier test's shutdown left behind whenever the garbage collector finds it."""
    return record.name == "asyncio" and record.getMessage().startswith("Task was destroyed but it is pending")


# Watching starts once the test's service is up and ends before it stops: what is checked is how input is handled.
SERVICE_FIXTURES = ("service", "webhook_service", "staff_web")


@pytest.fixture
def no_tracebacks_logged(request: pytest.FixtureRequest) -> Iterator[list[logging.LogRecord]]:
    """Collect every record logged with a traceback or at ERROR and above; the test fails if there is one."""
    for name in SERVICE_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name)
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector.records
    finally:
        root.removeHandler(collector)
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    logged = [formatter.format(record) for record in collector.records]
    assert logged == [], "unhandled errors or tracebacks were logged:\n" + "\n\n".join(logged)
