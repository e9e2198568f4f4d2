"""The delivery engine through the emulator: exactly once, under 429s, 5xx, dropped connections and blocks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from db.dao.delivery.claims import count_unfinished_rows
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.dao.delivery.outbox import count_outbox_by_state, fetch_outbox_messages
from db.engine import Database
from db.models import Carer, MessageDirection
from messaging.delivery.engine import DeliveryEngine
from messaging.outbox import EnqueueResult
from sandbox.emulator import BotApiEmulator
from tests.messaging.conftest import outgoing, sent_exactly_once
from tests.support.waiting import wait_for_condition

Enqueue = Callable[..., Awaitable[EnqueueResult]]
Audience = Callable[..., Awaitable[list[Carer]]]
StartEngine = Callable[..., Awaitable[DeliveryEngine]]


async def _all_finished(database: Database) -> bool:
    async with database.transaction() as session:
        return await count_unfinished_rows(session) == 0


async def _states(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        return await count_outbox_by_state(session)


async def test_every_message_is_sent_once_and_recorded(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    carers = await make_audience(12)
    result = await enqueue([outgoing(carer) for carer in carers])
    await start_engine()
    await emulator.wait_until(lambda: sent_exactly_once(emulator, carers), timeout_s=20, description="12 sends")
    await wait_for_condition(lambda: _all_finished(database), timeout_s=10, description="rows recorded")
    async with database.transaction() as session:
        rows = await fetch_outbox_messages(session, outbox_ids=list(result.outbox_ids.values()))
        log = await fetch_messages_for_chat(session, chat_id=carers[0].chat_id)  # type: ignore[arg-type]
    assert {row.state for row in rows} == {"sent"}
    assert all(row.queued_at <= row.sending_at <= row.sent_at for row in rows)  # type: ignore[operator]
    delivered = emulator.bot_messages(chat_id=carers[0].chat_id)[0]  # type: ignore[arg-type]
    assert rows[0].telegram_message_id == delivered.message_id
    assert delivered.callback_data_values() == [f"ack:{rows[0].id}"]
    assert [(record.direction, record.telegram_message_id) for record in log] == [(MessageDirection.OUTBOUND, delivered.message_id)]
    assert emulator.stats.rejected_by_code == {}


async def test_nothing_is_lost_or_doubled_under_429s_5xx_and_dropped_connections(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    emulator.set_faults(
        seed=11, rate_limit_fraction=0.1, rate_limit_retry_after_s=1, server_error_fraction=0.1,
        bad_gateway_fraction=0.05, drop_before_fraction=0.1, drop_after_fraction=0.15,
    )
    carers = await make_audience(40)
    await enqueue([outgoing(carer) for carer in carers])
    await start_engine(max_attempts=20)
    await wait_for_condition(lambda: _all_finished(database), timeout_s=60, description="every row finished")
    faults = emulator.stats.faults_injected
    assert faults["drop_after"] > 0 and faults["drop_before"] > 0 and faults["rate_limit"] > 0 and faults["server_error"] > 0
    assert sent_exactly_once(emulator, carers), emulator.stats.sent_by_chat
    assert emulator.stats.duplicate_texts() == []
    assert await _states(database) == {"sent": 40}
    # Sends lost after Telegram accepted them were found by probing, not sent again.
    assert emulator.stats.requests_by_method["editMessageReplyMarkup"] > 0


async def test_a_blocked_chat_fails_and_the_carer_is_listed_unreachable(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    blocked, fine = await make_audience(2)
    emulator.block_bot(user_id=blocked.chat_id)  # type: ignore[arg-type]
    result = await enqueue([outgoing(blocked), outgoing(fine)])
    await start_engine()
    await wait_for_condition(lambda: _all_finished(database), timeout_s=20, description="both finished")
    async with database.transaction() as session:
        rows = {row.carer_id: row for row in await fetch_outbox_messages(session, outbox_ids=list(result.outbox_ids.values()))}
        refreshed = await session.get(Carer, blocked.id)
    assert rows[blocked.id].state == "failed" and "blocked" in (rows[blocked.id].last_error or "")
    assert rows[blocked.id].failed_at is not None
    assert rows[fine.id].state == "sent"
    assert refreshed is not None and refreshed.unreachable_since is not None and not refreshed.is_reachable


async def test_server_errors_are_retried_then_the_row_fails_with_its_reason(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    emulator.set_faults(server_error_fraction=1.0)
    [carer] = await make_audience(1)
    result = await enqueue([outgoing(carer)])
    await start_engine(max_attempts=3)
    await wait_for_condition(lambda: _all_finished(database), timeout_s=20, description="row failed")
    async with database.transaction() as session:
        [row] = await fetch_outbox_messages(session, outbox_ids=list(result.outbox_ids.values()))
    assert row.state == "failed" and row.attempts == 3
    assert "gave up after 3 attempts" in (row.last_error or "") and "Internal Server Error" in (row.last_error or "")
    assert emulator.stats.total_sent == 0


async def test_a_429_for_one_chat_does_not_hold_up_the_others(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    emulator.set_faults(rate_limit_fraction=1.0, rate_limit_retry_after_s=4)
    slow, *others = await make_audience(6)
    await enqueue([outgoing(slow)])
    await start_engine()
    await emulator.wait_until(lambda: emulator.stats.faults_injected["rate_limit"] >= 1, timeout_s=10)
    emulator.reset_faults()
    await enqueue([outgoing(carer) for carer in others])
    await emulator.wait_until(lambda: sent_exactly_once(emulator, [slow, *others]), timeout_s=20)
    order = [record.chat_id for record in emulator.stats.send_log]
    assert order[-1] == slow.chat_id and sorted(order[:-1]) == sorted(carer.chat_id for carer in others)


async def test_one_message_per_second_per_chat_even_from_two_workers(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    emulator.set_faults(per_chat_burst=1)  # the emulator now refuses a second message within a second
    [carer] = await make_audience(1)
    await enqueue([outgoing(carer, key=f"several:{n}", text=f"Message {n}") for n in range(3)])
    await start_engine()
    await start_engine()
    await wait_for_condition(lambda: _all_finished(database), timeout_s=20, description="three sent")
    assert emulator.stats.sent_count(carer.chat_id) == 3  # type: ignore[arg-type]
    assert 429 not in emulator.stats.rejected_by_code


async def test_two_workers_together_stay_under_the_global_cap(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    emulator.set_faults(global_rate_per_s=20.0)
    carers = await make_audience(50)
    await enqueue([outgoing(carer) for carer in carers])
    await start_engine(rate_per_s=20.0)
    await start_engine(rate_per_s=20.0)
    await wait_for_condition(lambda: _all_finished(database), timeout_s=30, description="fifty sent")
    assert sent_exactly_once(emulator, carers)
    assert 429 not in emulator.stats.rejected_by_code


async def test_muting_after_queueing_is_respected_at_send_time(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    [carer] = await make_audience(1)
    await enqueue([outgoing(carer, update_kind="transport_changes")])
    async with database.transaction() as session:
        stored = await session.get(Carer, carer.id)
        assert stored is not None
        stored.muted_update_kinds = ["transport_changes"]
        session.add(stored)
    await start_engine()
    await wait_for_condition(lambda: _all_finished(database), timeout_s=20, description="row skipped")
    assert await _states(database) == {"skipped": 1}
    assert emulator.stats.total_sent == 0


async def test_stopping_hands_back_rows_not_yet_attempted(
    emulator: BotApiEmulator, make_audience: Audience, enqueue: Enqueue, start_engine: StartEngine, database: Database
) -> None:
    carers = await make_audience(20)
    await enqueue([outgoing(carer) for carer in carers])
    engine = await start_engine(rate_per_s=4.0, horizon_s=1.0, lease_s=60.0)
    await emulator.wait_until(lambda: emulator.stats.total_sent >= 1, timeout_s=10)
    await engine.stop(grace_s=2)
    states = await _states(database)
    assert states.get("sending", 0) == 0 and states["queued"] + states["sent"] == 20
    restarted = await start_engine(rate_per_s=30.0)
    await wait_for_condition(lambda: _all_finished(database), timeout_s=20, description="the rest sent")
    assert restarted.worker.sent_count > 0 and sent_exactly_once(emulator, carers)
