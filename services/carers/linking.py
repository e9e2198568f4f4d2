"""Linking a carer's chat to a child with a reference code, with the lock-out after wrong codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_link, save_link
from db.dao.carers.linking import (
    count_code_uses,
    count_failures_since,
    fetch_child,
    fetch_code_by_hash,
    fetch_code_use,
    fetch_lockout_until,
    save_code_use,
    save_linking_failure,
)
from services.carers.contacts import ContactChoice, match_contact
from services.carers.conversations import Step, move_to
from services.carers.codes import hash_code, normalise_code

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
LOCKOUT = timedelta(hours=1)


class LinkOutcome(StrEnum):
    """What happened when a carer tried a code."""

    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    NOT_A_CODE = "not_a_code"
    # Also used when a code is real but cannot be used by this chat: we never say it belongs to someone else.
    NOT_RECOGNISED = "not_recognised"
    NO_LONGER_VALID = "no_longer_valid"
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True)
class LinkResult:
    """The outcome, the child's first name when linked, and the end of any lock-out."""

    outcome: LinkOutcome
    child_name: str | None = None
    locked_until: datetime | None = None
    # Set when the council holds two carers for the child and we cannot tell which one this is.
    contact_choice: ContactChoice | None = None


async def lockout_ends_at(session: AsyncSession, *, chat_id: int, now: datetime) -> datetime | None:
    """When this chat may try codes again, if it is locked out now."""
    return await fetch_lockout_until(session, chat_id=chat_id, now=now)


async def redeem_code(
    session: AsyncSession, *, carer_id: int, chat_id: int, raw_code: str, now: datetime
) -> LinkResult:
    """Link the carer to the code's child, or say why not (counting wrong codes towards a lock-out)."""
    locked_until = await fetch_lockout_until(session, chat_id=chat_id, now=now)
    if locked_until is not None:
        return LinkResult(LinkOutcome.LOCKED_OUT, locked_until=locked_until)
    code = normalise_code(raw_code)
    if code is None:
        return LinkResult(LinkOutcome.NOT_A_CODE)
    linking_code = await fetch_code_by_hash(session, code_hash=hash_code(code))
    if linking_code is None:
        return await _record_failure(session, chat_id=chat_id, now=now)
    if linking_code.revoked_at is not None or linking_code.expires_at <= now:
        return LinkResult(LinkOutcome.NO_LONGER_VALID)
    child = await fetch_child(session, child_id=linking_code.child_id)
    assert child is not None and child.id is not None and linking_code.id is not None
    if await fetch_link(session, carer_id=carer_id, child_id=child.id) is not None:
        choice = await match_contact(session, carer_id=carer_id, child_id=child.id, now=now)
        return LinkResult(LinkOutcome.ALREADY_LINKED, child_name=child.display_name, contact_choice=choice)
    # Each carer uses a code once; using it again (after unlinking) does not take another carer's place.
    if await fetch_code_use(session, code_id=linking_code.id, carer_id=carer_id) is None:
        if await count_code_uses(session, code_id=linking_code.id) >= linking_code.max_carers:
            return await _record_failure(session, chat_id=chat_id, now=now)
        await save_code_use(session, code_id=linking_code.id, carer_id=carer_id, used_at=now)
    await save_link(session, carer_id=carer_id, child_id=child.id, linked_at=now)
    # The same family as the council's contact for the child, never a second one.
    choice = await match_contact(session, carer_id=carer_id, child_id=child.id, now=now)
    return LinkResult(LinkOutcome.LINKED, child_name=child.display_name, contact_choice=choice)


async def _record_failure(session: AsyncSession, *, chat_id: int, now: datetime) -> LinkResult:
    earlier = await count_failures_since(session, chat_id=chat_id, since=now - FAILURE_WINDOW)
    if earlier + 1 >= MAX_FAILURES:
        locked_until = now + LOCKOUT
        await save_linking_failure(session, chat_id=chat_id, failed_at=now, locks_until=locked_until)
        return LinkResult(LinkOutcome.LOCKED_OUT, locked_until=locked_until)
    await save_linking_failure(session, chat_id=chat_id, failed_at=now)
    return LinkResult(LinkOutcome.NOT_RECOGNISED)


async def link_with_code(
    session: AsyncSession, *, carer_id: int, chat_id: int, raw_code: str, now: datetime
) -> LinkResult:
    """A consenting carer typed or opened a code: link, and keep asking for a code while it fails."""
    result = await redeem_code(session, carer_id=carer_id, chat_id=chat_id, raw_code=raw_code, now=now)
    retry = result.outcome in (LinkOutcome.NOT_A_CODE, LinkOutcome.NOT_RECOGNISED)
    await move_to(session, chat_id=chat_id, step=Step.AWAITING_CODE if retry else Step.IDLE, now=now)
    return result


async def ask_for_code(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    """The step where the next text typed is read as a code."""
    await move_to(session, chat_id=chat_id, step=Step.AWAITING_CODE, now=now)
