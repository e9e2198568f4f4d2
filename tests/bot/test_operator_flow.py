"""The operator flow in the bot, end to end: link an operator chat with a one-time code, report with buttons,
correct, withdraw, resolve; families on the route are told; family chats and operator chats never meet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import AuditEvent, OperatorChat, OperatorChatCode
from db.models.staff import StaffRole
from db.models.transport import DisruptionStatus, OperatorDisruption, TransportChangeDraft
from sandbox.emulator import BotApiEmulator, SentMessage
from tests.bot.conftest import UNTHROTTLED
from tests.bot.test_hostile_updates import press_with_data
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.api_client import Api
from tests.support.operators import OperatorWorld, make_operator_world, operator_token
from tests.support.phone import Phone, label, visible
from tests.support.staff import StaffWeb

OPERATOR_CHAT = 4401  # the chat press_with_data forges presses for
DUTY_GROUP = -100_778
CARER_CHATS = (81_001, 81_002, 81_003)


@pytest.fixture
async def service(database_url: str, emulator: BotApiEmulator) -> AsyncIterator[CarerlineService]:
    """The whole service with quick delivery (families' notices) and a duty group for officers' alerts."""
    emulator.add_group(chat_id=DUTY_GROUP, title="SEN transport duty")
    settings = make_settings(database_url=database_url, emulator=emulator, duty_telegram_chat_id=DUTY_GROUP, **UNTHROTTLED)
    running = CarerlineService(settings=settings, delivery=fast_delivery())
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def world(database: Database, emulator: BotApiEmulator) -> OperatorWorld:
    for chat_id, name, language in zip(CARER_CHATS, ("Alex", "Ania", "Bo"), ("en", "pl", "en")):
        emulator.add_user(user_id=chat_id, first_name=name, language_code=language, has_started=True)
    return await make_operator_world(database, chat_ids=CARER_CHATS)


@pytest.fixture
async def officer_api(staff_web: StaffWeb) -> AsyncIterator[Api]:
    api = Api(staff_web.url, await staff_web.add_token(StaffRole.OFFICER))
    await api.load_document()
    yield api
    await api.http.close()


async def linked_operator(emulator: BotApiEmulator, api: Api, *, operator_id: int, language: str = "en") -> tuple[Phone, SentMessage]:
    """An operator's person links their chat with a code an officer made; the operator menu."""
    status, body = await api.call("POST", "/api/v1/operators/{operator_id}/chat-codes", path=f"/api/v1/operators/{operator_id}/chat-codes")
    assert status == 201, body
    phone = Phone(emulator, user_id=OPERATOR_CHAT, first_name="Olu", language_code=language)
    linked = await phone.send(f"/start {body['display'].lower()}")
    assert linked.text == visible("operator_bot.link.linked", language=language)
    menu = await phone.reply_after(linked.message_id)
    assert label("operator_bot.button.report", language=language) in phone.labels(menu)
    return phone, menu


async def family_texts(emulator: BotApiEmulator, chat_id: int, count: int) -> list[str]:
    await emulator.wait_until(lambda: len(emulator.bot_messages(chat_id=chat_id)) >= count, timeout_s=20, description=f"{count} messages to {chat_id}")
    return [message.text or "" for message in emulator.bot_messages(chat_id=chat_id)]


async def only_disruption(database: Database) -> OperatorDisruption:
    async with database.transaction() as session:
        return (await session.exec(select(OperatorDisruption))).one()


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_running_late_from_the_bot_reaches_every_family_then_a_correction_and_back_on_time(
    language: str, emulator: BotApiEmulator, service: CarerlineService, staff_web: StaffWeb, database: Database,
    world: OperatorWorld, officer_api: Api,
) -> None:
    phone, menu = await linked_operator(emulator, officer_api, operator_id=world.operator_a, language=language)
    routes = await phone.press(menu, label("operator_bot.button.report", language=language))
    assert [text for text in phone.labels(routes) if text.startswith("OP")] == ["OPA-1"]  # never operator B's route
    runs = await phone.press(routes, "OPA-1")
    kinds = await phone.press(runs, "op:run:morning")
    minutes = await phone.press(kinds, "op:k:running_late")
    assert minutes.text == visible("operator_bot.ask_minutes", language=language)
    refused = await phone.send("500")
    assert refused.text == visible("operator_bot.error.minutes_late", language=language)
    note = await phone.send("20")
    confirm = await phone.press(note, "op:nonote")
    assert "OPA-1" in confirm.text and "20" in confirm.text
    sent = await phone.press(confirm, "op:send")

    disruption = await only_disruption(database)
    assert (disruption.kind, disruption.minutes_late, disruption.run, disruption.carers_told) == ("running_late", 20, "morning", 2)
    assert disruption.route_id == world.route_a.id and "Telegram chat" in disruption.reported_by
    assert sent.text == visible("operator_bot.sent.families_told", language=language, reference=disruption.reference, carers=2)
    for chat_id in CARER_CHATS[:2]:
        assert "20" in (await family_texts(emulator, chat_id, 1))[0]
    assert emulator.bot_messages(chat_id=CARER_CHATS[2]) == []  # operator B's family hears nothing

    fix = await phone.press(sent, "op:fix:" + str(disruption.id))
    corrected = await phone.press(fix, f"op:fm:{disruption.id}:45")
    assert corrected.text == visible("operator_bot.corrected", language=language, reference=disruption.reference)
    resolved = await phone.press(corrected, f"op:res:{disruption.id}:back_on_time")
    assert resolved.text == visible("operator_bot.resolved.back_on_time", language=language, reference=disruption.reference, carers=2)
    for chat_id in CARER_CHATS[:2]:
        texts = await family_texts(emulator, chat_id, 3)
        assert "45" in texts[1] and len(texts) == 3
    stored = await only_disruption(database)
    assert (stored.minutes_late, stored.status, stored.resolution) == (45, DisruptionStatus.RESOLVED, "back_on_time")
    async with database.transaction() as session:
        actions = list((await session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id)))).all())
    assert actions[-5:] == ["operator_chat.code_issued", "operator_chat.linked", "disruption.reported", "disruption.corrected", "disruption.resolved"]


async def test_a_new_driver_with_a_typed_name_and_note_then_withdrawn_within_10_minutes(
    emulator: BotApiEmulator, service: CarerlineService, staff_web: StaffWeb, database: Database, world: OperatorWorld,
    officer_api: Api,
) -> None:
    phone, menu = await linked_operator(emulator, officer_api, operator_id=world.operator_a)
    kinds = await phone.press(await phone.press(await phone.press(menu, "op:new"), "OPA-1"), "op:run:afternoon")
    who = await phone.press(kinds, "op:k:staff_changed")
    ask_name = await phone.press(who, "op:s:driver")
    assert ask_name.text == visible("operator_bot.ask_name", language="en")
    assert (await phone.send("R2-D2")).text == visible("operator_bot.error.new_staff_first_name", language="en")
    await phone.send("Zoë")
    confirm = await phone.send("Silver minibus today")
    assert "Zoë" in confirm.text and "Silver minibus today" in confirm.text
    sent = await phone.press(confirm, "op:send")
    disruption = await only_disruption(database)
    assert (disruption.staff_changed, disruption.new_staff_first_name, disruption.note) == ("driver", "Zoë", "Silver minibus today")
    assert "Zoë" in (await family_texts(emulator, CARER_CHATS[0], 1))[0]

    withdrawn = await phone.press(sent, f"op:wd:{disruption.id}")
    assert withdrawn.text == visible("operator_bot.withdrawn", language="en", reference=disruption.reference)
    assert len(await family_texts(emulator, CARER_CHATS[0], 2)) == 2
    assert (await only_disruption(database)).status == DisruptionStatus.WITHDRAWN

    # Past the 10 minutes a second report can no longer be withdrawn (the bot says so precisely).
    listed_menu = await phone.send("/menu")
    again = await phone.press(await phone.press(await phone.press(listed_menu, "op:new"), "OPA-1"), "op:run:afternoon")
    sent_again = await phone.press(await phone.press(await phone.press(again, "op:k:vehicle_breakdown"), "op:nonote"), "op:send")
    async with database.transaction() as session:
        latest = (await session.exec(select(OperatorDisruption).order_by(col(OperatorDisruption.id).desc()))).first()
        assert latest is not None
        await session.exec(update(OperatorDisruption).where(col(OperatorDisruption.id) == latest.id).values(  # type: ignore[call-overload]
            reported_at=latest.reported_at - timedelta(minutes=11)))
    late = await phone.press(sent_again, f"op:wd:{latest.id}")
    assert late.text == visible("operator_bot.error.too_late", language="en")


async def test_a_cancelled_run_and_a_route_handed_back_page_the_duty_officer_and_wait_for_a_draft_decision(
    emulator: BotApiEmulator, service: CarerlineService, staff_web: StaffWeb, database: Database, world: OperatorWorld,
    officer_api: Api,
) -> None:
    phone, menu = await linked_operator(emulator, officer_api, operator_id=world.operator_a)
    kinds = await phone.press(await phone.press(await phone.press(menu, "op:new"), "OPA-1"), "op:run:morning")
    sent = await phone.press(await phone.press(await phone.press(kinds, "op:k:run_cancelled"), "op:nonote"), "op:send")
    cancelled = await only_disruption(database)
    assert sent.text == visible("operator_bot.sent.awaiting_officer", language="en", reference=cancelled.reference)
    await emulator.wait_until(lambda: bool(emulator.bot_messages(chat_id=DUTY_GROUP)), description="the duty alert")
    assert cancelled.reference in (emulator.bot_messages(chat_id=DUTY_GROUP)[0].text or "")

    kinds = await phone.press(await phone.press(await phone.press(sent, "op:menu"), "op:new"), "OPA-1")
    dates = await phone.press(await phone.press(kinds, "op:run:morning"), "op:k:cannot_run_from")
    assert (await phone.send("31/02/2027")).text == visible("operator_bot.error.from_date", language="en")
    first_day = dates.inline_keyboard[0][0]["callback_data"]
    confirm = await phone.press(await phone.press(dates, first_day), "op:nonote")
    await phone.press(confirm, "op:send")
    async with database.transaction() as session:
        drafts = list((await session.exec(select(TransportChangeDraft).order_by(col(TransportChangeDraft.id)))).all())
    assert [(draft.kind, draft.status) for draft in drafts] == [("cancelled_today", "draft"), ("new_operator", "draft")]
    assert drafts[1].effective_from.isoformat() == first_day.removeprefix("op:d:")
    assert all(emulator.bot_messages(chat_id=chat_id) == [] for chat_id in CARER_CHATS)  # families wait for the officer


async def test_family_and_operator_chats_never_meet(
    emulator: BotApiEmulator, service: CarerlineService, staff_web: StaffWeb, database: Database, world: OperatorWorld,
    officer_api: Api,
) -> None:
    # A family's chat cannot become an operator chat, and the code is not used up by trying.
    status, body = await officer_api.call("POST", "/api/v1/operators/{operator_id}/chat-codes", path=f"/api/v1/operators/{world.operator_a}/chat-codes")
    assert status == 201
    family = Phone(emulator, user_id=CARER_CHATS[0], first_name="Alex")
    refused = await family.send(f"/start {body['code']}")
    assert refused.text == visible("operator_bot.link.family_chat", language="en")
    family_menu = await family.send("/menu")
    assert label("menu.button.transport", language="en") in family.labels(family_menu)

    # The operator chat links with the same code; a used code links nobody else.
    operator = Phone(emulator, user_id=OPERATOR_CHAT, first_name="Olu")
    linked = await operator.send(f"/operator {body['code']}")
    await operator.reply_after(linked.message_id)  # the operator menu follows
    stranger = Phone(emulator, user_id=4402, first_name="Sid")
    assert (await stranger.send(f"/start {body['code']}")).text == visible("operator_bot.link.unknown_code", language="en")

    # The operator chat never reaches the family menus: /menu, family buttons and typing get the operator's menu.
    menu = await operator.send("/menu")
    assert label("operator_bot.button.report", language="en") in operator.labels(menu)
    before = operator.last_message_id
    press_with_data(emulator, menu, "menu:transport")
    assert (await operator.reply_after(before)).text == visible("operator_bot.old_button", language="en")
    assert (await operator.send("hello")).text == visible("operator_bot.not_understood", language="en")

    # A forged press on another operator's route is refused, and nothing is reported.
    before = operator.last_message_id
    press_with_data(emulator, menu, f"op:r:{world.route_b.id}")
    assert (await operator.reply_after(before)).text == visible("operator_bot.error.not_yours", language="en")
    async with database.transaction() as session:
        assert (await session.exec(select(OperatorDisruption))).all() == []
        chats = list((await session.exec(select(OperatorChat))).all())
        codes = list((await session.exec(select(OperatorChatCode))).all())
    assert [(chat.chat_id, chat.operator_id) for chat in chats] == [(OPERATOR_CHAT, world.operator_a)]
    assert codes[0].used_at is not None

    # Unlinking hands the chat back: it is an ordinary chat again.
    confirm = await operator.press(await operator.send("/menu"), "op:unlink")
    done = await operator.press(confirm, "op:unlink:yes")
    assert done.text == visible("operator_bot.unlink.done", language="en")
    async with database.transaction() as session:
        assert (await session.exec(select(OperatorChat))).all() == []


async def test_an_operator_makes_its_own_code_and_the_chat_sees_only_its_routes(
    emulator: BotApiEmulator, service: CarerlineService, staff_web: StaffWeb, database: Database, world: OperatorWorld,
) -> None:
    api = Api(staff_web.url, await operator_token(database, operator_id=world.operator_b))
    status, body = await api.call("POST", "/api/v1/operator/chat-codes")
    await api.http.close()
    assert status == 201 and body["code"].startswith("OP")
    phone = Phone(emulator, user_id=OPERATOR_CHAT, first_name="Olu")
    linked = await phone.send(f"/start {body['code']}")
    menu = await phone.reply_after(linked.message_id)
    routes = await phone.press(menu, "op:new")
    assert [text for text in phone.labels(routes) if text.startswith("OP")] == ["OPB-1"]


def test_every_operator_text_built_at_run_time_is_in_both_catalogs() -> None:
    from core.i18n import SUPPORTED_LANGUAGES, catalog_keys
    from bot.operator_flow.common import ERROR_FIELDS
    from db.models.transport import DisruptionKind, StaffChanged

    keys = [f"operator_bot.error.{field}" for field in ERROR_FIELDS]
    keys += [f"operator_bot.{part}.{kind.value}" for kind in DisruptionKind for part in ("button.kind", "what")]
    keys += [f"operator_bot.status.{status.value}" for status in DisruptionStatus]
    keys += [f"operator_bot.button.staff.{who.value}" for who in StaffChanged]
    keys += [f"operator_bot.resolved.{resolution}" for resolution in ("back_on_time", "arrived")]
    for language in SUPPORTED_LANGUAGES:
        assert sorted(set(keys) - catalog_keys(language)) == [], language
