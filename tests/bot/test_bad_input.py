"""Bad input never breaks a conversation: each kind gets a helpful answer and the way back; nothing half-saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.engine import Database
from db.models import Carer, ChatThrottle, Child
from sandbox.emulator import BotApiEmulator, SentMessage
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible
from tests.support.waiting import wait_for_condition

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]
StartService = Callable[..., Awaitable[CarerlineService]]
LANGUAGES = ["en", "pl"]
MENU_LABELS = {language: label("menu.button.back", language=language) for language in LANGUAGES}


async def consented(emulator: BotApiEmulator, issued: IssuedCode, *, user_id: int, language: str, first_name: str = "Amira") -> tuple[Phone, SentMessage]:
    phone = Phone(emulator, user_id=user_id, first_name=first_name, language_code=language)
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    return phone, menu


MEDIA: dict[str, tuple[str, Callable[[BotApiEmulator, int], Awaitable[dict[str, Any]]]]] = {
    "sticker": ("bad_input.media", lambda emulator, user: emulator.send_sticker(user_id=user)),
    "photo": ("bad_input.media", lambda emulator, user: emulator.send_photo(user_id=user, caption="<b>look</b> & see")),
    "voice": ("bad_input.media", lambda emulator, user: emulator.send_voice(user_id=user)),
    "video": ("bad_input.media", lambda emulator, user: emulator.send_video(user_id=user)),
    "document": ("bad_input.media", lambda emulator, user: emulator.send_document(user_id=user, filename="a.pdf", content=b"%PDF")),
    "contact": ("bad_input.contact", lambda emulator, user: emulator.send_contact(user_id=user, phone_number="+447700900123")),
    "location": ("bad_input.location", lambda emulator, user: emulator.send_location(user_id=user, latitude=51.27, longitude=0.52)),
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_kind_of_media_gets_a_kind_answer_and_the_menu(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone, _ = await consented(emulator, issued, user_id=1201, language=language)
    for kind, (key, send) in MEDIA.items():
        reply = await phone.act(send(emulator, 1201))
        assert reply.text == visible(key, language=language), kind
        assert label("menu.button.transport", language=language) in phone.labels(reply), kind
    async with database.transaction() as session:
        kept = {m.kind: m.text for m in await fetch_messages_for_chat(session, chat_id=1201) if m.direction == "in"}
    assert kept["contact"] is None and kept["location"] is None  # no phone number or place is kept
    assert kept["photo"] == "<b>look</b> & see"  # a caption is words the parent wrote


@pytest.mark.parametrize("language", LANGUAGES)
async def test_media_before_consent_leads_back_to_the_notice(
    language: str, emulator: BotApiEmulator, service: CarerlineService
) -> None:
    phone = Phone(emulator, user_id=1202, language_code=language)
    reply = await phone.act(emulator.send_voice(user_id=1202))
    assert reply.text == visible("bad_input.media", language=language)
    assert phone.labels(reply) == [MENU_LABELS[language]]
    notice = await phone.press(reply, "menu:main")
    assert visible("consent.question", language=language) in notice.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_edits_unknown_commands_long_text_and_old_buttons(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode
) -> None:
    _, issued = await issue_code()
    phone, menu = await consented(emulator, issued, user_id=1203, language=language)
    sent = await emulator.send_text(user_id=1203, text="hello there")
    assert (await phone.reply_after(sent["message_id"])).text == visible("common.not_understood", language=language)
    before = phone.last_message_id
    await emulator.edit_text(user_id=1203, message_id=sent["message_id"], text="/start")
    edited = await phone.reply_after(before)
    assert edited.text == visible("bad_input.edited", language=language)
    unknown = await phone.send("/fly_me_to_the_moon")
    assert unknown.text == visible("bad_input.unknown_command", language=language)
    long_text = await phone.send("x" * 5000)
    assert long_text.text == visible("common.not_understood", language=language)
    help_text = await phone.press(menu, "menu:help")  # menus keep working from older messages
    assert help_text.text.startswith(visible("menu.help", language=language, council_phone="", council_hours="",
                                             pact_phone="", pact_hours="", url="").split("\n")[0])
    confirm = await phone.press(await phone.press(menu, "menu:mydata"), "data:erase")
    await phone.press(menu, "menu:transport")  # going elsewhere leaves the confirmation
    stale = await phone.press(confirm, label("data.button.erase_yes", language=language))
    assert stale.text == visible("bad_input.old_button", language=language)
    assert label("menu.button.transport", language=language) in phone.labels(stale)


async def test_buttons_we_no_longer_have_are_answered_kindly(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode
) -> None:
    _, issued = await issue_code()
    phone, menu = await consented(emulator, issued, user_id=1204, language="en")
    # An inline button from an older version of the bot, injected as Telegram would deliver its press.
    menu.reply_markup = {"inline_keyboard": [[{"text": "Old", "callback_data": "survey:q1:yes"}]]}
    stale = await phone.press(menu, "survey:q1:yes")
    assert stale.text == visible("bad_input.old_button", language="en")
    assert emulator.callback_answers(user_id=1204), "every press is answered, so the phone stops spinning"


@pytest.mark.parametrize(
    ("first_name", "typed"),
    [
        ("<b>Jo & Sam</b>", "<i>hi</i> & <script>alert(1)</script>"),
        ("*Jo_* [x](http://e.com)", "**bold** _it_ `code` [link](http://example.com)"),
        ("أحمد", "مرحبا، أين الحافلة؟ ‏"),
        ("Zoë 👩‍👧‍👦", "🚌🚌🚌 where is the bus? 😟"),
    ],
)
async def test_names_and_texts_that_look_like_markup_rtl_or_emoji(
    first_name: str, typed: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code(display_name="<Sam & Co>")
    phone, linked = await consented(emulator, issued, user_id=1205, language="en", first_name=first_name)
    assert linked.text == visible("linking.linked", language="en", child="<Sam & Co>")
    menu = await phone.send("/menu")
    assert menu.text == visible("menu.main", language="en", name=first_name)
    reply = await phone.send(typed)
    assert reply.text == visible("common.not_understood", language="en")
    data = await phone.send("/mydata")
    assert first_name in data.text and "<Sam & Co>" in data.text
    async with database.transaction() as session:
        carer = (await session.exec(select(Carer))).one()
    assert carer.first_name == first_name


async def test_a_flood_gets_one_polite_reply_then_silence(
    emulator: BotApiEmulator, start_service: StartService, database: Database
) -> None:
    # A long window, so how fast the machine is cannot change what the test sees.
    await start_service(chat_flood_max_updates=5, chat_flood_window_s=3600)
    phone = Phone(emulator, user_id=1206)
    for n in range(25):
        await emulator.send_text(user_id=1206, text=f"spam {n}")

    async def all_counted() -> bool:
        async with database.transaction() as session:
            throttle = (await session.exec(select(ChatThrottle))).first()
            return throttle is not None and throttle.updates_in_window == 25

    await wait_for_condition(all_counted, description="all 25 messages through the throttle")
    texts = [message.text for message in emulator.bot_messages(chat_id=1206)]
    flood = visible("bad_input.flood", language="en")
    assert texts.count(flood) == 1
    assert len(texts) == 6  # five answered, one polite warning, then silence
    assert texts[-1] == flood
    async with database.transaction() as session:
        inbound = [m for m in await fetch_messages_for_chat(session, chat_id=1206) if m.direction == "in"]
    assert len(inbound) == 25  # still all recorded
    assert phone.labels(emulator.bot_messages(chat_id=1206)[-1]) == [MENU_LABELS["en"]]
