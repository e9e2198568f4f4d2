"""Sending, editing and deleting messages through the emulator with the real PTB Bot."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden

from sandbox.emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio

PARENT_ID = 1001
STRANGER_ID = 1002


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"Button {data}", callback_data=data)] for data in callback_data]
    )


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == 123456
    assert me.username == "CarerlineSandboxBot"
    assert me.first_name == "Carerline"


async def test_send_message_shares_message_ids_with_the_person(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    sent = await bot.send_message(PARENT_ID, "Welcome!")
    assert sent.message_id == 2  # the parent's /start was message 1
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.chat.id == PARENT_ID and sent.chat.type == "private"
    reply = await emulator.send_text(user_id=PARENT_ID, text="thanks")
    assert reply["message_id"] == 3
    second = await bot.send_message(PARENT_ID, "You're welcome")
    assert second.message_id == 4
    assert [m.message_id for m in emulator.messages(chat_id=PARENT_ID)] == [1, 2, 3, 4]
    assert [m.text for m in emulator.bot_messages(chat_id=PARENT_ID)] == [
        "Welcome!",
        "You're welcome",
    ]
    assert emulator.stats.sent_count(PARENT_ID) == 2


async def test_raw_envelope_matches_telegram(emulator: BotApiEmulator) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        url = f"{emulator.url}/bot{emulator.token}/SENDMESSAGE"
        async with session.post(url, json={"chat_id": PARENT_ID, "text": "hi"}) as response:
            assert response.status == 200
            body = await response.json()
        assert body["ok"] is True and body["result"]["text"] == "hi"
        async with session.get(f"{emulator.url}/bot999:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.get(f"{emulator.url}/bot{emulator.token}/noSuchMethod") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
        form = {"chat_id": str(PARENT_ID), "text": "", "parse_mode": "HTML"}
        async with session.post(url, data=form) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }


async def test_forbidden_for_never_started_and_blocked(bot: Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(STRANGER_ID, "Hello?")
    emulator.block_bot(user_id=PARENT_ID)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(PARENT_ID, "Are you there?")
    emulator.unblock_bot(user_id=PARENT_ID)
    await bot.send_message(PARENT_ID, "Welcome back")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999_999, "nobody")
    assert emulator.stats.rejected_by_code[403] == 2
    assert emulator.stats.rejected_by_code[400] == 1


@pytest.mark.parametrize(
    ("markup", "visible"),
    [
        (
            '<b>bold</b> <i>italic</i> <a href="https://example.com/?a=1&b=2">link</a>',
            "bold italic link",
        ),
        ('<pre><code class="language-python">print(1 &lt; 2)</code></pre>', "print(1 < 2)"),
        ('<tg-spoiler>secret</tg-spoiler> <span class="tg-spoiler">also</span>', "secret also"),
        ("&lt;3 &amp; &quot;quotes&quot; &#128512; &#x1F600;", '<3 & "quotes" 😀 😀'),
        ("<blockquote expandable>quote</blockquote><u>u</u><s>s</s><code>c</code>", "quoteusc"),
        ("<B>upper</B> <a href='https://x.org'>single quotes</a>", "upper single quotes"),
    ],
)
async def test_valid_html_is_accepted(bot: Bot, markup: str, visible: str) -> None:
    message = await bot.send_message(PARENT_ID, markup, parse_mode="HTML")
    assert message.text == visible
    assert bool(message.entities) == ("<" in markup)


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("Tom & Jerry", "Character entity expected a name at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
    ],
)
async def test_invalid_html_is_rejected(bot: Bot, markup: str, reason: str) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(PARENT_ID, markup, parse_mode="HTML")
    # PTB drops "Bad Request: " and lower-cases the rest of the description.
    assert caught.value.message == f"Can't parse entities: {reason}".capitalize()


async def test_html_errors_keep_telegrams_prefix_on_the_wire(emulator: BotApiEmulator) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        url = f"{emulator.url}/bot{emulator.token}/sendMessage"
        body = {"chat_id": PARENT_ID, "text": "<foo>", "parse_mode": "HTML"}
        async with session.post(url, json=body) as response:
            description = (await response.json())["description"]
    assert description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'
    )


async def test_length_limit_counts_visible_utf16_text(bot: Bot, emulator: BotApiEmulator) -> None:
    await bot.send_message(PARENT_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(PARENT_ID, "&amp;" * 4096, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(PARENT_ID, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
    await bot.send_message(PARENT_ID, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(PARENT_ID, "😀" * 2048 + "x")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(PARENT_ID, "<b> </b>", parse_mode="HTML")
    stored = emulator.bot_messages(chat_id=PARENT_ID)[0]
    assert stored.text == "x" * 4096
    assert stored.raw_text == "<b>" + "x" * 4096 + "</b>"
    assert stored.entities == [{"offset": 0, "length": 4096, "type": "bold"}]


async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    await bot.send_message(PARENT_ID, "ok", reply_markup=keyboard("ż" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(PARENT_ID, "too long", reply_markup=keyboard("ż" * 32 + "x"))
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(
            PARENT_ID, "no action", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x")]])
        )


async def test_edits_and_not_modified(bot: Bot, emulator: BotApiEmulator) -> None:
    sent = await bot.send_message(PARENT_ID, "Pick one", reply_markup=keyboard("a", "b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Pick one",
            chat_id=PARENT_ID,
            message_id=sent.message_id,
            reply_markup=keyboard("a", "b"),
        )
    edited = await bot.edit_message_text(
        "<b>Picked</b>", chat_id=PARENT_ID, message_id=sent.message_id, parse_mode="HTML"
    )
    assert edited.text == "Picked" and edited.reply_markup is None and edited.edit_date
    stored = emulator.bot_messages(chat_id=PARENT_ID)[-1]
    assert stored.text == "Picked" and stored.reply_markup is None
    assert [version.text for version in stored.edits] == ["Pick one"]
    await bot.edit_message_reply_markup(
        chat_id=PARENT_ID, message_id=sent.message_id, reply_markup=keyboard("c")
    )
    assert stored.callback_data_values() == ["c"]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=PARENT_ID, message_id=999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=PARENT_ID, message_id=1)
    assert await bot.delete_message(PARENT_ID, sent.message_id)
    assert stored.deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(PARENT_ID, sent.message_id)
    assert emulator.stats.sent_count(PARENT_ID) == 1  # edits are not sends


async def test_button_press_and_callback_answer(bot: Bot, emulator: BotApiEmulator) -> None:
    await bot.get_updates(offset=-1)
    sent = await bot.send_message(PARENT_ID, "Confirm?", reply_markup=keyboard("yes:42", "no:42"))
    with pytest.raises(LookupError, match="no button"):
        await emulator.press_button(
            user_id=PARENT_ID, message_id=sent.message_id, callback_data="x"
        )
    await emulator.press_button(
        user_id=PARENT_ID, message_id=sent.message_id, callback_data="yes:42"
    )
    updates = await bot.get_updates(offset=-1, timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.data == "yes:42"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == PARENT_ID
    assert await query.answer("Saved ✅", show_alert=True)
    [answer] = emulator.callback_answers(user_id=PARENT_ID)
    assert (answer.text, answer.show_alert, answer.callback_data) == ("Saved ✅", True, "yes:42")
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")


async def test_person_edit_creates_edited_message_update(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    message = await emulator.send_text(user_id=PARENT_ID, text="my nmae is Anna")
    await emulator.edit_text(
        user_id=PARENT_ID, message_id=message["message_id"], text="my name is Anna"
    )
    updates = await bot.get_updates(timeout=0)
    edited = [u.edited_message for u in updates if u.edited_message]
    assert edited and edited[0].text == "my name is Anna"


async def test_send_document_round_trip(bot: Bot, emulator: BotApiEmulator) -> None:
    content = b"name,visits\nAnna,3\n"
    sent = await bot.send_document(
        PARENT_ID,
        InputFile(content, filename="report.csv"),
        caption="<i>Your report</i>",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.file_size) == ("report.csv", len(content))
    assert sent.caption == "Your report"
    stored = emulator.bot_messages(chat_id=PARENT_ID)[-1]
    assert stored.document is not None and stored.document.content == content
    assert stored.document.mime_type == "text/csv"
    again = await bot.send_document(PARENT_ID, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id


async def test_bot_downloads_a_file_the_person_sent(bot: Bot, emulator: BotApiEmulator) -> None:
    await emulator.send_document(
        user_id=PARENT_ID,
        filename="note.pdf",
        content=b"%PDF-1.4 fake",
        mime_type="application/pdf",
    )
    await emulator.send_photo(user_id=PARENT_ID)
    updates = await bot.get_updates(timeout=0)
    document = next(u.message.document for u in updates if u.message and u.message.document)
    photo = next(u.message.photo for u in updates if u.message and u.message.photo)
    telegram_file = await bot.get_file(document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == b"%PDF-1.4 fake"
    photo_file = await bot.get_file(photo[-1].file_id)
    assert (await photo_file.download_as_bytearray()).startswith(b"\x89PNG")


async def test_non_text_messages_parse_in_ptb(bot: Bot, emulator: BotApiEmulator) -> None:
    await emulator.send_sticker(user_id=PARENT_ID)
    await emulator.send_voice(user_id=PARENT_ID)
    await emulator.send_video(user_id=PARENT_ID)
    await emulator.send_video_note(user_id=PARENT_ID)
    await emulator.send_contact(user_id=PARENT_ID, phone_number="+48600100200")
    await emulator.send_location(user_id=PARENT_ID, latitude=52.23, longitude=21.01)
    messages = [u.message for u in await bot.get_updates(timeout=0) if u.message]
    kinds = [m.effective_attachment.__class__.__name__ for m in messages if m.effective_attachment]
    assert kinds == ["Sticker", "Voice", "Video", "VideoNote", "Contact", "Location"]


async def test_commands_menu_button_and_group(bot: Bot, emulator: BotApiEmulator) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats, MenuButtonCommands

    commands = [BotCommand("start", "Start"), BotCommand("help", "Pomoc")]
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="pl")
    assert emulator.commands[("all_private_chats", "pl")][1] == {
        "command": "help",
        "description": "Pomoc",
    }
    fetched = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="pl")
    assert [c.command for c in fetched] == ["start", "help"]
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    await bot.set_chat_menu_button(PARENT_ID, MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(PARENT_ID), MenuButtonCommands)
    assert await bot.send_chat_action(PARENT_ID, "typing")
    chat = await bot.get_chat(PARENT_ID)
    assert chat.first_name == "Anna"
    emulator.add_group(chat_id=-1001234, title="Carers on duty")
    await emulator.send_group_text(
        chat_id=-1001234, user_id=STRANGER_ID, text="/status@CarerlineSandboxBot"
    )
    posted = await bot.send_message(-1001234, "All good")
    assert posted.chat.type == "supergroup" and posted.message_id == 2


async def test_copy_and_forward_count_as_sends(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.add_group(chat_id=-1009999, title="Staff")
    question = await emulator.send_text(user_id=PARENT_ID, text="Can we move the visit?")
    copied = await bot.copy_message(-1009999, PARENT_ID, question["message_id"])
    forwarded = await bot.forward_message(-1009999, PARENT_ID, question["message_id"])
    assert (copied.message_id, forwarded.message_id) == (1, 2)
    assert forwarded.forward_origin is not None
    assert [m.text for m in emulator.bot_messages(chat_id=-1009999)] == [
        "Can we move the visit?"
    ] * 2
    assert emulator.stats.sent_count(-1009999) == 2
