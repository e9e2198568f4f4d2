"""Meta-test: every column of the live schema that could identify a person is erased, redacted or declared safe.

The declaration is services/privacy/columns.py. A new table or column that can hold a chat id, a
name, a number, an address or free text fails here until someone decides what erasure does to it.
"""

from __future__ import annotations

import re

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, Float, Integer, MetaData, Numeric, String, Table, Text, Time
from sqlalchemy.types import TypeEngine

import services.surveys.workflow  # noqa: F401  (registers the surveys eraser, as the running service does)
from db.engine import Database
from services.privacy.columns import CARER_ROW, COLUMNS, Handling
from services.privacy.erasure import registered_erasers
from tests.support.schema import LiveColumn, live_columns

# Parts of a column name that say it may hold something about a person, whatever its type.
IDENTIFYING_NAME_PARTS = frozenset({
    "chat", "name", "phone", "mobile", "telephone", "email", "mail", "address", "postcode", "street", "house",
    "birth", "dob", "ip", "note", "notes", "text", "reason", "description", "details", "comment", "answer",
    "response", "label", "nhs", "ni", "upn",
})
# Types that hold only numbers of records, flags, amounts and moments (a 64-bit integer is not one: chat ids are).
PLAIN_TYPES = (Boolean, Integer, Float, Numeric, Date, DateTime, Time)


def could_identify(name: str, column_type: TypeEngine) -> bool:
    """True for text, JSON, binary and 64-bit columns, and for any column whose name says it is about a person."""
    if set(re.split(r"[_\d]+", name.lower())) & IDENTIFYING_NAME_PARTS:
        return True
    if isinstance(column_type, BigInteger):
        return True
    return not isinstance(column_type, PLAIN_TYPES)


def undeclared(columns: list[LiveColumn]) -> list[str]:
    """Columns that could identify someone and that columns.py says nothing about."""
    return [column.key for column in columns if could_identify(column.column, column.type) and column.key not in COLUMNS]


async def test_every_identifying_column_is_erased_redacted_or_declared_safe(database: Database) -> None:
    columns = await live_columns(database)
    assert len({column.table for column in columns}) >= 30, "the schema scan must see the migrated tables"
    missing = undeclared(columns)
    assert missing == [], (
        "These columns could identify a person but services/privacy/columns.py does not say what erasure does "
        f"with them (erase, redact, or declare safe with a reason): {missing}"
    )


async def test_every_declaration_names_a_live_column_and_a_real_eraser(database: Database) -> None:
    live = {column.key for column in await live_columns(database)}
    assert sorted(set(COLUMNS) - live) == [], "declared in columns.py but not in the schema: remove or rename"
    erasers = {*registered_erasers(), CARER_ROW}
    for key, rule in COLUMNS.items():
        assert rule.why.strip(), f"{key}: say why"
        if rule.handling is Handling.SAFE:
            assert rule.eraser is None, key
        else:
            assert rule.eraser in erasers, f"{key}: {rule.eraser!r} is not a registered eraser"


async def test_a_new_identifying_column_fails_the_scan(database: Database) -> None:
    """The meta-test can fail: a table added without a declaration is reported, column by column."""
    metadata = MetaData()
    Table(
        "escort_contacts", metadata,
        Column("id", Integer, primary_key=True),
        Column("escort_phone", Integer),
        Column("date_of_birth", Date),
        Column("telegram_chat", BigInteger),
        Column("remarks", Text),
        Column("extra", JSON),
        Column("town", String(64)),
        Column("visits", Integer),
        Column("is_active", Boolean),
        Column("seen_at", DateTime),
    )
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    found = [key for key in undeclared(await live_columns(database)) if key.startswith("escort_contacts.")]
    assert sorted(found) == sorted(
        f"escort_contacts.{name}" for name in ("escort_phone", "date_of_birth", "telegram_chat", "remarks", "extra", "town")
    )
