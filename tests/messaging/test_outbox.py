"""The outbox: idempotent bulk enqueueing, and who must not get a message (muted, consent, quiet hours)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time

import pytest

from db.dao.delivery.outbox import fetch_outbox_messages
from db.engine import Database
from db.models import Carer
from messaging.outbox import EnqueueResult, OutgoingMessage
from tests.messaging.conftest import outgoing

Enqueue = Callable[..., Awaitable[EnqueueResult]]
Audience = Callable[..., Awaitable[list[Carer]]]


async def test_the_same_key_is_queued_once(make_audience: Audience, enqueue: Enqueue, database: Database) -> None:
    [carer] = await make_audience(1)
    first = await enqueue([outgoing(carer, key="change:1:carer:1")])
    second = await enqueue([outgoing(carer, key="change:1:carer:1", text="a different text")])
    assert (first.queued, first.already_queued) == (1, 0)
    assert (second.queued, second.already_queued) == (0, 1)
    assert second.outbox_ids == first.outbox_ids
    async with database.transaction() as session:
        [row] = await fetch_outbox_messages(session, outbox_ids=list(first.outbox_ids.values()))
    assert row.state == "queued" and row.queued_at is not None and "message for carer" in (row.text or "")


async def test_ten_thousand_messages_go_in_at_once(make_audience: Audience, enqueue: Enqueue) -> None:
    carers = await make_audience(50)
    messages = [outgoing(carers[n % 50], key=f"bulk:{n}") for n in range(10_000)]
    result = await enqueue(messages)
    assert result.queued == 10_000 and len(result.outbox_ids) == 10_000
    again = await enqueue(messages)
    assert again.already_queued == 10_000 and again.queued == 0


async def test_muted_kind_and_withdrawn_consent_skip_unless_the_council_must_send(
    make_audience: Audience, enqueue: Enqueue, database: Database
) -> None:
    [muted] = await make_audience(1, muted_update_kinds=["transport_changes"])
    [withdrawn] = await make_audience(1, consent_withdrawn_at=datetime(2026, 1, 1, tzinfo=UTC))
    [blocked] = await make_audience(1, unreachable_since=datetime(2026, 1, 1, tzinfo=UTC))
    result = await enqueue([
        outgoing(muted, key="a", update_kind="transport_changes"),
        outgoing(withdrawn, key="b", update_kind="transport_changes"),
        outgoing(blocked, key="c", update_kind="transport_changes", must_send=True),
        outgoing(muted, key="d", update_kind="transport_changes", must_send=True),
        outgoing(withdrawn, key="e", update_kind="transport_changes", must_send=True),
    ])
    assert dict(result.skipped) == {"muted": 1, "no_consent": 1, "unreachable": 1}
    assert result.queued == 2
    async with database.transaction() as session:
        rows = await fetch_outbox_messages(session, outbox_ids=list(result.outbox_ids.values()))
    states = {row.idempotency_key: (row.state, row.last_error) for row in rows}
    assert states["a"] == ("skipped", "muted") and states["d"] == ("queued", None)
    assert all(row.skipped_at is not None for row in rows if row.state == "skipped")


async def test_quiet_hours_hold_non_urgent_messages_until_they_end(make_audience: Audience, enqueue: Enqueue, database: Database) -> None:
    [carer] = await make_audience(1, quiet_hours_start=time(21, 0), quiet_hours_end=time(7, 0))
    late_evening = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # 22:30 in London (GMT in November)
    result = await enqueue([outgoing(carer, key="calm"), outgoing(carer, key="urgent", is_urgent=True)], now=late_evening)
    assert result.held_for_quiet_hours == 1
    async with database.transaction() as session:
        rows = {row.idempotency_key: row for row in await fetch_outbox_messages(session, outbox_ids=list(result.outbox_ids.values()))}
    assert rows["calm"].not_before == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert rows["urgent"].not_before == late_evening


async def test_a_message_without_the_seen_button_is_refused(make_audience: Audience, enqueue: Enqueue) -> None:
    [carer] = await make_audience(1)
    message: OutgoingMessage = outgoing(carer, reply_markup={"inline_keyboard": [[{"text": "Menu", "callback_data": "menu:main"}]]})
    with pytest.raises(ValueError, match="outbox_id"):
        await enqueue([message])
