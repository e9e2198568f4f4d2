"""Consent to the privacy notice: asked before anything beyond the chat id is kept, given, declined, withdrawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import count_linked_children, insert_consenting_carer, save_carer
from db.dao.carers.consent import save_consent_event
from db.dao.carers.conversations import fetch_conversation, save_conversation
from db.dao.carers.first_consent import record_first_consent
from db.dao.portable import writes_in_one_statement
from db.engine import Database
from db.models import Carer, ConsentEventKind
from services.carers.conversations import (
    UNREAD, ChatContext, Step, move_to, require_step, require_step_with_carer,
)
from services.carers.linking import LinkOutcome, LinkResult, redeem_code


@dataclass(frozen=True)
class ConsentGiven:
    """The carer who agreed, what happened to a code they brought, and where the conversation is now."""

    carer_id: int
    first_name: str
    link: LinkResult | None
    step: Step


async def ask_for_consent(session: AsyncSession, *, chat_id: int, pending_code: str | None, now: datetime) -> int:
    """Show-the-notice step, keeping a code brought with /start until consent; return the version."""
    conversation = await fetch_conversation(session, chat_id=chat_id)  # read once: its version guards the write
    is_waiting = conversation is not None and conversation.state == Step.AWAITING_CONSENT
    code = pending_code or ((conversation.data or {}).get("code") if is_waiting and conversation is not None else None)
    return await save_conversation(
        session,
        chat_id=chat_id,
        state=Step.AWAITING_CONSENT,
        data={"code": code},
        expected_version=conversation.version if conversation is not None else 0,
        now=now,
    )


async def give_consent(
    session: AsyncSession,
    *,
    chat_id: int,
    first_name: str,
    language: str,
    notice_version: str,
    now: datetime,
    found_no_carer: bool = False,
) -> ConsentGiven:
    """Record consent (creating the carer), then use any pending code; the pending code is then forgotten.

    `found_no_carer`: this update found no carer for the chat (updates of one chat run one at a time, so
    none has appeared since), and none is read again.
    """
    # Any notice shown while we still wait for consent will do: they all say the same.
    context = await require_step_with_carer(
        session, chat_id=chat_id, step=Step.AWAITING_CONSENT, version=None, carer=None if found_no_carer else UNREAD
    )
    first_name = first_name[:128]
    is_new_carer = context.carer is None
    if _is_first_consent_without_code(context):
        carer_id = await record_first_consent(
            session, chat_id=chat_id, first_name=first_name, language=language, notice_version=notice_version, now=now,
            expected_version=context.version, step=Step.AWAITING_CODE,
        )
        return ConsentGiven(carer_id=carer_id, first_name=first_name, link=None, step=Step.AWAITING_CODE)
    carer_id = await _carer_consents(
        session, carer=context.carer, chat_id=chat_id, first_name=first_name, language=language,
        notice_version=notice_version, now=now,
    )
    await save_consent_event(
        session, carer_id=carer_id, kind=ConsentEventKind.GIVEN, notice_version=notice_version, occurred_at=now
    )
    pending_code = context.data.get("code")
    link = None
    if pending_code:
        link = await redeem_code(session, carer_id=carer_id, chat_id=chat_id, raw_code=pending_code, now=now)
    is_linked = link is not None and link.outcome in (LinkOutcome.LINKED, LinkOutcome.ALREADY_LINKED)
    # A carer made just now has no links but the one its code may have made.
    has_children = is_linked or (not is_new_carer and await count_linked_children(session, carer_id=carer_id) > 0)
    step = Step.IDLE if has_children else Step.AWAITING_CODE
    await move_to(session, chat_id=chat_id, step=step, now=now)
    return ConsentGiven(carer_id=carer_id, first_name=first_name, link=link, step=step)


def is_single_write(*, chat: ChatContext, database: Database) -> bool:
    """True when `give_consent` in this chat makes one write, last (Database.single_write): a new family with no
    code waiting, on a database where that is one statement."""
    return _is_first_consent_without_code(chat) and writes_in_one_statement(database)


def _is_first_consent_without_code(chat: ChatContext) -> bool:
    # A new carer with no code has no children, so the chat goes on to asking for a code.
    return chat.carer is None and not chat.data.get("code") and chat.version > 0


async def _carer_consents(
    session: AsyncSession, *, carer: Carer | None, chat_id: int, first_name: str, language: str,
    notice_version: str, now: datetime,
) -> int:
    """Mark the carer's consent given (a new carer is made with it); the carer's id."""
    if carer is None:
        return await insert_consenting_carer(
            session, chat_id=chat_id, first_name=first_name, language=language, notice_version=notice_version,
            consented_at=now,
        )
    carer.first_name = first_name
    carer.consent_notice_version = notice_version
    carer.consent_given_at = now
    carer.consent_withdrawn_at = None
    await save_carer(session, carer=carer)
    assert carer.id is not None
    return carer.id


async def decline_consent(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    """Not now: forget the pending code and keep nothing more."""
    await require_step(session, chat_id=chat_id, step=Step.AWAITING_CONSENT, version=None)
    await move_to(session, chat_id=chat_id, step=Step.IDLE, now=now)


async def ask_to_withdraw(session: AsyncSession, *, chat_id: int, now: datetime) -> int:
    """The confirmation step before withdrawing; return the version for the buttons."""
    return await move_to(session, chat_id=chat_id, step=Step.CONFIRM_WITHDRAW, now=now)


async def withdraw_consent(session: AsyncSession, *, chat_id: int, expected_version: int, now: datetime) -> Carer:
    """Withdraw consent: from now on only messages the council must send."""
    context = await require_step_with_carer(
        session, chat_id=chat_id, step=Step.CONFIRM_WITHDRAW, version=expected_version
    )
    carer = context.carer
    assert carer is not None and carer.id is not None
    carer.consent_withdrawn_at = now
    await save_carer(session, carer=carer)
    await save_consent_event(
        session,
        carer_id=carer.id,
        kind=ConsentEventKind.WITHDRAWN,
        notice_version=carer.consent_notice_version or "unknown",
        occurred_at=now,
    )
    await move_to(session, chat_id=chat_id, step=Step.IDLE, now=now)
    return carer
