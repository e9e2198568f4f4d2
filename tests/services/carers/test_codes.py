"""Codes: unambiguous, forgiving to type, stored only as hashes, issued with an expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from db.dao.carers.linking import fetch_children_without_active_code
from db.engine import Database
from db.models import LinkingCode
from services.carers.codes import (
    ALPHABET,
    deep_link,
    format_code,
    generate_code,
    hash_code,
    issue_linking_codes,
    normalise_code,
)
from tests.support.factories import make_child

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def test_generated_codes_use_the_unambiguous_alphabet_and_have_digits_and_letters() -> None:
    codes = {generate_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 10 and set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")
        assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
        assert normalise_code(format_code(code)) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7QM-4TXD-P2", "K7QM4TXDP2"),
        ("  k7qm 4txd p2 ", "K7QM4TXDP2"),
        ("k7qm–4txd—p2", "K7QM4TXDP2"),
        ("1O0I-L000-02", "1001100002"),
        ("https://t.me/KentCarerlineBot?start=K7QM4TXDP2", "K7QM4TXDP2"),
        ("hello there", None),
        ("K7QM-4TXD", None),
        ("K7QM-4TXD-P2X", None),
        ("K7QM-4TXD-U2", None),
        ("", None),
        ("x" * 5000, None),
    ],
)
def test_typed_codes_are_normalised(typed: str, expected: str | None) -> None:
    assert normalise_code(typed) == expected


def test_deep_link_payload_is_telegram_safe() -> None:
    link = deep_link(code="K7QM4TXDP2", bot_username="@KentCarerlineBot")
    assert link == "https://t.me/KentCarerlineBot?start=K7QM4TXDP2"


async def test_issue_stores_only_hashes_and_the_expiry(database: Database) -> None:
    async with database.transaction() as session:
        children = [await make_child(session), await make_child(session)]
        issued = await issue_linking_codes(session, children=children, ttl_days=60, now=NOW)
    async with database.transaction() as session:
        stored = (await session.exec(select(LinkingCode))).all()
    assert {row.code_hash for row in stored} == {hash_code(item.code) for item in issued}
    assert all(item.code not in row.code_hash for item in issued for row in stored)
    assert {row.expires_at for row in stored} == {NOW + timedelta(days=60)}
    assert [item.council_reference for item in issued] == [child.council_reference for child in children]


async def test_children_without_a_usable_code(database: Database) -> None:
    async with database.transaction() as session:
        fresh, expired, revoked, never = [await make_child(session) for _ in range(4)]
        await issue_linking_codes(session, children=[fresh], ttl_days=60, now=NOW)
        await issue_linking_codes(session, children=[expired], ttl_days=1, now=NOW - timedelta(days=5))
        [code] = await issue_linking_codes(session, children=[revoked], ttl_days=60, now=NOW)
        row = (await session.exec(select(LinkingCode).where(LinkingCode.code_hash == hash_code(code.code)))).one()
        row.revoked_at = NOW
    async with database.transaction() as session:
        without = await fetch_children_without_active_code(session, now=NOW)
    assert {child.id for child in without} == {expired.id, revoked.id, never.id}
