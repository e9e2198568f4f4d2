"""GET and POST /seen/<token>: the signed link in texts and emails, and a reply of YES by text, over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
import pytest

from db.models import ChangeNotice, OutboxMessage
from db.models.staff import StaffRole
from messaging.ack_links import ack_url
from tests.support.acknowledgements import TextedFamily, texted_family
from tests.support.staff import CSRF_PATTERN, SettableClock, StaffClient, StaffWeb, running_staff_web

RECORDED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
EFFECTIVE = date(2026, 11, 26)
TAKES_EFFECT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
CALLBACK_TOKEN = "notify-callback-token-for-tests"
ALREADY = "You have already told us you have seen this – thank you"
PHONE = "03000 41 00 00"


@pytest.fixture
async def web_side(database_url: str, clock: SettableClock) -> AsyncIterator[StaffWeb]:
    """The web app at the moment the change was recorded, with Notify's callback token set."""
    clock.now = RECORDED
    async with running_staff_web(database_url=database_url, clock=clock, notify_callback_token=CALLBACK_TOKEN) as running:
        yield running


async def family_with_link(web_side: StaffWeb, **changes: object) -> tuple[TextedFamily, str]:
    """A family texted about a change, and the path of their text's link."""
    family = await texted_family(web_side.database, now=RECORDED, effective_from=EFFECTIVE, expires_at=TAKES_EFFECT,
                                 **changes)  # type: ignore[arg-type]
    url = ack_url(outbox_id=family.sms_row_id, expires_at=TAKES_EFFECT, now=RECORDED, settings=web_side.settings)
    return family, urlsplit(url).path


async def acknowledged(web_side: StaffWeb, family: TextedFamily) -> tuple[bool, bool]:
    """Whether the text's row and the family's notice are acknowledged."""
    async with web_side.database.transaction() as session:
        row = await session.get(OutboxMessage, family.sms_row_id)
        notice = await session.get(ChangeNotice, family.notice_id)
    assert row is not None and notice is not None
    return row.acknowledged_at is not None, notice.acknowledged_at is not None


async def press(client: StaffClient, path: str) -> aiohttp.ClientResponse:
    """Open the page, then press its button as a browser would (the form's token and its cookie)."""
    page = await client.get(path)
    token = CSRF_PATTERN.search(await page.text())
    assert token is not None, "the page has no form token"
    return await client.post_form(path, {"csrf_token": token.group(1)}, with_csrf=False)


async def acknowledged_count(web_side: StaffWeb, change_id: int) -> tuple[int, int]:
    """'N of M families have pressed' on the change's staff page."""
    officer, _ = await web_side.signed_in(StaffRole.OFFICER)
    page = await officer.get(f"/changes/{change_id}")
    assert page.status == 200
    found = re.search(r"(\d+) of (\d+) families have pressed", await page.text())
    assert found is not None
    return int(found.group(1)), int(found.group(2))


async def test_the_link_shows_the_notice_and_the_button_records_it(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side)
    assert len(path.rsplit("/", 1)[1]) < 40
    assert await acknowledged_count(web_side, family.change.id or 0) == (0, 1)
    client = web_side.client()
    page = await client.get(path)
    body = await page.text()
    assert page.status == 200 and 'lang="en"' in body
    assert "Sam&#39;s pick-up time is changing." in body and "I&#39;ve seen this" in body
    assert "{ack_link}" not in body and "/seen/" not in body.replace(f'action="{path}"', "")
    assert page.headers["Cache-Control"] == "no-store" and "noindex" in page.headers["X-Robots-Tag"]
    recorded = await press(client, path)
    assert recorded.status == 200 and "Thank you" in await recorded.text()
    assert await acknowledged(web_side, family) == (True, True)
    assert await acknowledged_count(web_side, family.change.id or 0) == (1, 1)


async def test_opening_the_link_never_acknowledges(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side)
    client = web_side.client()
    for _ in range(3):  # a link preview, an email scanner, the family
        assert (await client.get(path)).status == 200
        assert (await client.http.head(path)).status == 200
    assert await acknowledged(web_side, family) == (False, False)


async def test_a_press_without_the_forms_token_is_refused(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side)
    stranger = web_side.client()
    assert (await stranger.post_form(path, {}, with_csrf=False)).status == 403
    assert (await stranger.post_form(path, {"csrf_token": "guessed"}, with_csrf=False)).status == 403
    assert await acknowledged(web_side, family) == (False, False)


async def test_a_second_press_or_visit_says_it_is_already_known(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side)
    client = web_side.client()
    assert (await press(client, path)).status == 200
    page = await client.get(path)
    assert page.status == 200 and ALREADY in await page.text() and "<form" not in await page.text()
    assert (await client.post_form(path, {"csrf_token": "x"}, with_csrf=False)).status == 403
    assert await acknowledged_count(web_side, family.change.id or 0) == (1, 1)


async def test_a_replayed_press_says_thank_you_again(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side)
    client = web_side.client()
    page = await client.get(path)
    token = CSRF_PATTERN.search(await page.text())
    assert token is not None
    first = await client.post_form(path, {"csrf_token": token.group(1)}, with_csrf=False)
    replay = await client.post_form(path, {"csrf_token": token.group(1)}, with_csrf=False)
    assert first.status == 200 and "Thank you" in await first.text()
    assert replay.status == 200 and ALREADY in await replay.text()
    assert await acknowledged(web_side, family) == (True, True)


async def test_an_expired_link_says_the_change_has_started_and_records_nothing(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side, language="pl")
    client = web_side.client()
    page = await client.get(path)
    token = CSRF_PATTERN.search(await page.text())
    assert token is not None
    web_side.clock.now = TAKES_EFFECT + timedelta(hours=1)
    expired = await client.get(path)
    body = await expired.text()
    assert expired.status == 410 and 'lang="pl"' in body and "Ten link już nie działa" in body and PHONE in body
    late = await client.post_form(path, {"csrf_token": token.group(1)}, with_csrf=False)
    assert late.status == 410
    assert await acknowledged(web_side, family) == (False, False)


async def test_an_expired_link_for_another_kind_of_message_says_links_last_14_days(web_side: StaffWeb) -> None:
    family, _ = await family_with_link(web_side)
    async with web_side.database.transaction() as session:
        row = await session.get(OutboxMessage, family.sms_row_id)
        assert row is not None
        row.source_type = "complaint"
        session.add(row)
    url = ack_url(outbox_id=family.sms_row_id, expires_at=None, now=RECORDED, settings=web_side.settings)
    web_side.clock.now = RECORDED + timedelta(days=14, hours=1)
    page = await web_side.client().get(urlsplit(url).path)
    body = await page.text()
    assert page.status == 410 and "only works for 14 days" in body and "change in this message" not in body


async def test_a_changed_character_or_another_rows_id_is_not_right(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side)
    other, _ = await family_with_link(web_side, route_code="MA-202", mobile="+447700900222")
    token = path.rsplit("/", 1)[1]
    other_id = _base62(other.sms_row_id)
    altered = [token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1:] for i in range(len(token)) if token[i] != "."]
    swapped = other_id + token[token.index("."):]
    client = web_side.client()
    for bad in [*altered, swapped, "nonsense", token + "x"]:
        page = await client.get(f"/seen/{bad}")
        body = await page.text()
        assert page.status == 404 and "This link is not right" in body and PHONE in body, bad
        assert (await client.post_form(f"/seen/{bad}", {}, with_csrf=False)).status in (403, 404)
    assert await acknowledged(web_side, family) == (False, False) and await acknowledged(web_side, other) == (False, False)


async def test_the_page_speaks_the_carers_language(web_side: StaffWeb) -> None:
    family, path = await family_with_link(web_side, language="pl")
    client = web_side.client()
    body = await (await client.get(path)).text()
    assert 'lang="pl"' in body and "Przeczytane" in body
    done = await press(client, path)
    assert "Dziękujemy" in await done.text()
    assert await acknowledged(web_side, family) == (True, True)


async def post_text(web_side: StaffWeb, message: str, *, token: str = CALLBACK_TOKEN,
                    source: str = "447700900111") -> int:
    body = {"id": str(uuid.uuid4()), "source_number": source, "destination_number": "07700900999", "message": message,
            "date_received": "2026-11-23T12:00:00.000000Z"}
    async with aiohttp.ClientSession() as http, http.post(
        f"{web_side.url}/notify/callbacks/inbound", json=body, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return response.status


async def test_a_yes_by_text_acknowledges_only_with_notifys_token(web_side: StaffWeb) -> None:
    family, _ = await family_with_link(web_side)
    assert await post_text(web_side, "YES", token="wrong-token") == 401
    assert await acknowledged(web_side, family) == (False, False)
    assert await post_text(web_side, "no") == 200
    assert await post_text(web_side, "YES", source="447700900333") == 200  # a number we never texted
    assert await acknowledged(web_side, family) == (False, False)
    assert await post_text(web_side, "Tak.") == 200
    assert await acknowledged(web_side, family) == (True, True)
    assert await acknowledged_count(web_side, family.change.id or 0) == (1, 1)


def _base62(number: int) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = ""
    while True:
        number, digit = divmod(number, 62)
        digits = alphabet[digit] + digits
        if number == 0:
            return digits
