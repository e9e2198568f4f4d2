"""Redeeming codes: each outcome, the lock-out after five wrong codes in an hour, the cap per code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from db.dao.carers.accounts import delete_link
from db.engine import Database
from db.models import CarerChildLink, LinkingCode
from services.carers.linking import LinkOutcome, redeem_code
from services.carers.codes import hash_code
from tests.support.factories import make_carer, make_child, make_linking_code

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def _redeem(database: Database, carer_id: int, chat_id: int, code: str, now: datetime = NOW) -> LinkOutcome:
    async with database.transaction() as session:
        return (await redeem_code(session, carer_id=carer_id, chat_id=chat_id, raw_code=code, now=now)).outcome


async def test_outcomes(database: Database) -> None:
    async with database.transaction() as session:
        carer = await make_carer(session)
        issued = await make_linking_code(session, now=NOW)
        expired = await make_linking_code(session, now=NOW - timedelta(days=61), ttl_days=60)
        revoked = await make_linking_code(session, now=NOW)
        row = (await session.exec(select(LinkingCode).where(LinkingCode.code_hash == hash_code(revoked.code)))).one()
        row.revoked_at = NOW
    assert carer.id is not None and carer.chat_id is not None
    assert await _redeem(database, carer.id, carer.chat_id, "no code here") == LinkOutcome.NOT_A_CODE
    assert await _redeem(database, carer.id, carer.chat_id, expired.display) == LinkOutcome.NO_LONGER_VALID
    assert await _redeem(database, carer.id, carer.chat_id, revoked.display) == LinkOutcome.NO_LONGER_VALID
    assert await _redeem(database, carer.id, carer.chat_id, issued.display) == LinkOutcome.LINKED
    assert await _redeem(database, carer.id, carer.chat_id, issued.display) == LinkOutcome.ALREADY_LINKED


async def test_five_wrong_codes_in_an_hour_lock_out_for_an_hour(database: Database) -> None:
    async with database.transaction() as session:
        carer = await make_carer(session)
        issued = await make_linking_code(session, now=NOW)
    assert carer.id is not None and carer.chat_id is not None
    outcomes = [
        await _redeem(database, carer.id, carer.chat_id, f"AAAA-AAAA-A{n}", NOW + timedelta(minutes=10 * n)) for n in range(5)
    ]
    assert outcomes == [LinkOutcome.NOT_RECOGNISED] * 4 + [LinkOutcome.LOCKED_OUT]
    locked_at = NOW + timedelta(minutes=40)
    assert await _redeem(database, carer.id, carer.chat_id, issued.display, locked_at + timedelta(minutes=59)) == LinkOutcome.LOCKED_OUT
    assert await _redeem(database, carer.id, carer.chat_id + 1, issued.display, locked_at) == LinkOutcome.LINKED  # other chats are not locked
    assert await _redeem(database, carer.id, carer.chat_id, "BBBB-BBBB-B1", locked_at + timedelta(hours=1)) == LinkOutcome.NOT_RECOGNISED


async def test_wrong_codes_spread_over_more_than_an_hour_do_not_lock(database: Database) -> None:
    async with database.transaction() as session:
        carer = await make_carer(session)
    assert carer.id is not None and carer.chat_id is not None
    outcomes = [
        await _redeem(database, carer.id, carer.chat_id, f"AAAA-AAAA-A{n}", NOW + timedelta(minutes=20 * n)) for n in range(6)
    ]
    assert LinkOutcome.LOCKED_OUT not in outcomes


async def test_a_code_serves_four_carers_and_a_returning_carer_does_not_use_a_place(database: Database) -> None:
    async with database.transaction() as session:
        child = await make_child(session)
        issued = await make_linking_code(session, child=child, now=NOW)
        carers = [await make_carer(session) for _ in range(5)]
    ids = [(carer.id, carer.chat_id) for carer in carers]
    for carer_id, chat_id in ids[:4]:
        assert await _redeem(database, carer_id, chat_id, issued.display) == LinkOutcome.LINKED  # type: ignore[arg-type]
    async with database.transaction() as session:
        await delete_link(session, carer_id=ids[0][0], child_id=child.id)  # type: ignore[arg-type]
    assert await _redeem(database, ids[0][0], ids[0][1], issued.display) == LinkOutcome.LINKED  # type: ignore[arg-type]
    assert await _redeem(database, ids[4][0], ids[4][1], issued.display) == LinkOutcome.NOT_RECOGNISED  # type: ignore[arg-type]
    async with database.transaction() as session:
        assert len((await session.exec(select(CarerChildLink))).all()) == 4
