"""Give feedback end to end: topic, rating, words or skip, consent to quote, thanks through the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import select

from carerline.service import CarerlineService
from db.engine import Database
from db.models import Child
from db.models.casework import FeedbackItem, QuoteStatus
from sandbox.emulator import BotApiEmulator
from services.feedback.records import MAX_FEEDBACK_LENGTH
from services.carers.codes import IssuedCode
from tests.support.phone import Phone, label, visible

IssueCode = Callable[..., Awaitable[tuple[Child, IssuedCode]]]


async def feedback_items(database: Database) -> list[FeedbackItem]:
    async with database.transaction() as session:
        return list((await session.exec(select(FeedbackItem).order_by(FeedbackItem.id))).all())


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_feedback_with_words_and_consent_to_quote(
    language: str, emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone = Phone(emulator, user_id=911, language_code=language)
    menu = await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language=language))
    topics = await phone.press(menu, "menu:feedback")
    assert topics.text == visible("casework_bot.feedback.choose_topic", language=language)
    ratings = await phone.press(topics, label("casework_bot.feedback.topic.driver_and_assistant", language=language))
    assert phone.labels(ratings)[:5] == ["1", "2", "3", "4", "5"]
    ask = await phone.press(ratings, "fb:rate:driver_and_assistant:5")
    assert ask.text == visible("casework_bot.feedback.ask_text", language=language, limit=f"{MAX_FEEDBACK_LENGTH:,}")
    quote = await phone.send("y" * 5000)
    assert quote.text.startswith(visible("casework_bot.feedback.truncated", language=language, limit=f"{MAX_FEEDBACK_LENGTH:,}"))
    thanks = await phone.press(quote, label("casework_bot.feedback.button.quote_yes", language=language))
    assert thanks.text == visible("casework.feedback.thanks_quote", language=language)
    [item] = await feedback_items(database)
    assert (item.topic, item.rating, item.consent_to_quote, item.quote_status) == ("driver_and_assistant", 5, True, QuoteStatus.PROPOSED)
    assert item.text == "y" * MAX_FEEDBACK_LENGTH
    old = await phone.press(quote, label("casework_bot.feedback.button.quote_no", language=language))
    assert old.inline_keyboard and len(await feedback_items(database)) == 1


async def test_feedback_with_a_rating_only(
    emulator: BotApiEmulator, service: CarerlineService, issue_code: IssueCode, database: Database
) -> None:
    _, issued = await issue_code()
    phone = Phone(emulator, user_id=912)
    await phone.press(await phone.send(f"/start {issued.payload}"), label("consent.button.agree", language="en"))
    ratings = await phone.press(await phone.send("/feedback"), "fb:topic:journey")
    ask = await phone.press(ratings, "fb:rate:journey:2")
    thanks = await phone.press(ask, label("casework_bot.feedback.button.skip", language="en"))
    assert thanks.text == visible("casework.feedback.thanks", language="en")
    [item] = await feedback_items(database)
    assert (item.topic, item.rating, item.text, item.consent_to_quote) == ("journey", 2, None, False)
