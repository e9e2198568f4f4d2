"""Surveys on the staff side: the form and its errors, preview, send, results (suppressed, redacted), roles, API, axe."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from sqlmodel import select

from db.models.outbox import OutboxMessage
from db.models.staff import StaffRole
from services.surveys.steps import add_comments, answer_question, answer_quote, begin_survey, choose_rating
from tests.support.browser import ConsoleWatch, chromium
from tests.support.factories import make_carer, make_child, make_route, make_school
from tests.support.staff import StaffWeb
from tests.web.test_pages_browser import check_current, check_page, sign_in

UK = ZoneInfo("Europe/London")


async def _school(staff_web: StaffWeb) -> tuple[int, list[tuple[int, int]]]:
    async with staff_web.database.transaction() as session:
        school = await make_school(session, name="Oakwood")
        route = await make_route(session, school=school)
        carers = []
        for name, kid in (("Ann", "Tom"), ("Bea", "Ola"), ("Cy", "Kit")):
            carer = await make_carer(session, first_name=name, children=[await make_child(session, route=route, display_name=kid)])
            carers.append((carer.chat_id, carer.id))
        return school.id, carers  # type: ignore[return-value]


def _date_time(name: str, moment: datetime) -> dict[str, str]:
    """A GOV.UK date input with its time, as the form posts it."""
    local = moment.astimezone(UK)
    return {f"{name}-day": str(local.day), f"{name}-month": str(local.month), f"{name}-year": str(local.year),
            f"{name}-time": local.strftime("%H:%M")}


def _form(staff_web: StaffWeb, school_id: int, **changes: str) -> dict[str, str]:
    now = staff_web.clock()
    values = {
        "title": "Autumn journeys", "intro": "Tell us about this term.", "rating_question": "How were the journeys?",
        "question_1_text": "What would make the journey better?", "question_1_kind": "text",
        "question_2_text": "Do you know the driver?", "question_2_kind": "choice", "question_2_choices": "Yes\nNo",
        "asks_for_comments": "yes", "audience_kind": "school", "audience_school": str(school_id),
        **_date_time("closes_at", now + timedelta(days=7)), **_date_time("remind_at", now + timedelta(days=5)),
    }
    values.update(changes)
    return values


async def _answer(staff_web: StaffWeb, chat_id: int, carer_id: int, survey_id: int, *, rating: int, words: str | None) -> None:
    now = staff_web.clock()
    async with staff_web.database.transaction() as session:
        await begin_survey(session, chat_id=chat_id, carer_id=carer_id, survey_id=survey_id, now=now)
        prompt = await choose_rating(session, chat_id=chat_id, carer_id=carer_id, version=1, rating=rating, now=now)
        prompt = await answer_question(session, chat_id=chat_id, carer_id=carer_id, version=None if words else prompt.version, words=words, now=now)
        prompt = await answer_question(session, chat_id=chat_id, carer_id=carer_id, version=prompt.version, choice=0, now=now)
        prompt = await add_comments(session, chat_id=chat_id, carer_id=carer_id, version=prompt.version, words=None, now=now)
        if words:
            await answer_quote(session, chat_id=chat_id, carer_id=carer_id, version=prompt.version, consent=False, now=now)


async def test_create_with_errors_preview_send_results_and_the_not_answered_audience(staff_web: StaffWeb) -> None:
    school_id, carers = await _school(staff_web)
    coordinator, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    nav = await (await coordinator.get("/surveys")).text()
    assert 'href="/surveys/new"' in nav
    wrong = await coordinator.post_form("/surveys/new", _form(
        staff_web, school_id, title="", question_2_choices="Only one", audience_school="", **{"closes_at-time": "soon"},
    ))
    page = await wrong.text()
    assert wrong.status == 422
    # The error summary lists the problems in the order the fields stand in the form.
    summary = re.findall(r'<a href="#([a-z_0-9-]+)">', page.split('govuk-error-summary__list"')[1].split("</ul>")[0])
    assert summary == ["title", "question_2_choices", "audience_school", "closes_at"]
    assert "Enter the time for the closing date in 24-hour form, for example 17:00" in page and "Choose a school" in page
    assert "the message" not in page and 'value="What would make the journey better?"' in page
    assert 'type="datetime-local"' not in page and 'name="closes_at-day"' in page and 'name="remind_at-time"' in page
    created = await coordinator.post_form("/surveys/new", _form(staff_web, school_id))
    assert created.status == 303
    survey_id = int(re.fullmatch(r"/surveys/(\d+)", created.headers["Location"]).group(1))  # type: ignore[union-attr]
    preview = await (await coordinator.get(f"/surveys/{survey_id}")).text()
    assert 'id="recipient-count">3<' in preview and "A short survey from Kent PACT: Autumn journeys" in preview
    sent = await coordinator.post_form(f"/surveys/{survey_id}/send")
    assert sent.status == 303 and (await coordinator.post_form(f"/surveys/{survey_id}/send")).status == 409
    async with staff_web.database.transaction() as session:
        assert len((await session.exec(select(OutboxMessage).where(OutboxMessage.source_type == "survey"))).all()) == 3

    (ann_chat, ann), (bea_chat, bea), _ = carers
    await _answer(staff_web, ann_chat, ann, survey_id, rating=2, words="Tom's driver Dave is always late, call me on 07700 900123")
    await _answer(staff_web, bea_chat, bea, survey_id, rating=4, words=None)
    results = await (await coordinator.get(f"/surveys/{survey_id}/results")).text()
    assert 'id="invited">3<' in results and 'id="responses">2<' in results and 'id="response-rate">67%<' in results
    assert 'id="rating-2">fewer than 5<' in results and "Shown from 5 responses" in results
    assert "[name]&#39;s driver [name] is always late, call me on [phone]" in results and "Dave" not in results and "07700" not in results

    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    assert (await officer.get(f"/surveys/{survey_id}/results")).status == 200 and (await officer.get("/surveys")).status == 403
    admin, _ = await staff_web.signed_in(StaffRole.ADMIN)
    assert (await admin.get(f"/surveys/{survey_id}/results")).status == 403

    composer = await (await coordinator.get("/broadcasts/new")).text()
    assert f'<option value="{survey_id}">Autumn journeys</option>' in composer
    follow_up = await coordinator.post_form(
        "/broadcasts/new",
        {"title": "Last call", "audience_kind": "not_answered_survey", "audience_not_answered_survey": str(survey_id), "template_text": "Hello {{ carer_first_name }}"},
    )
    broadcast = await (await coordinator.get(follow_up.headers["Location"])).text()
    assert 'id="recipient-count">1<' in broadcast and "Hello Cy" in broadcast
    assert (await coordinator.post_form(f"/surveys/{survey_id}/close")).status == 303
    assert 'id="survey-status">closed<' in await (await coordinator.get(f"/surveys/{survey_id}")).text()


async def test_the_api_creates_sends_closes_reports_and_schedules_broadcasts(staff_web: StaffWeb) -> None:
    school_id, _ = await _school(staff_web)
    token = await staff_web.add_token(StaffRole.PACT_COORDINATOR)
    closes = (staff_web.clock() + timedelta(days=7)).isoformat()
    body = {
        "title": "T", "intro": "Hi", "rating_question": "How?", "audience_kind": "school", "audience_value": str(school_id),
        "questions": [{"text": "Pick", "kind": "choice", "choices": ["A"]}],
        "remind_at": (staff_web.clock() + timedelta(days=8)).isoformat(), "closes_at": closes,
    }
    async with aiohttp.ClientSession(staff_web.url) as anonymous:
        assert (await anonymous.get("/api/v1/surveys")).status == 401
    async with aiohttp.ClientSession(staff_web.url, headers={"Authorization": f"Bearer {await staff_web.add_token(StaffRole.ADMIN)}"}) as admin:
        assert (await admin.get("/api/v1/surveys")).status == 403
    async with aiohttp.ClientSession(staff_web.url, headers={"Authorization": f"Bearer {token}"}) as api:
        bad = await api.post("/api/v1/surveys", json=body)
        assert bad.status == 422 and {field["field"] for field in (await bad.json())["fields"]} == {"questions.0.choices", "remind_at"}
        body["questions"][0]["choices"] = ["A", "B"]  # type: ignore[index]
        body["remind_at"] = (staff_web.clock() + timedelta(days=5)).isoformat()
        created = await api.post("/api/v1/surveys", json=body)
        assert created.status == 201
        survey_id = (await created.json())["id"]
        assert (await (await api.post(f"/api/v1/surveys/{survey_id}/send")).json())["status"] == "sent"
        assert (await api.post(f"/api/v1/surveys/{survey_id}/send")).status == 409
        results = await (await api.get(f"/api/v1/surveys/{survey_id}/results")).json()
        assert (results["invited"], results["responses"], results["rating_counts"]["1"]) == (3, 0, None)
        assert (await api.post(f"/api/v1/surveys/{survey_id}/close")).status == 200
        assert (await api.post(f"/api/v1/surveys/{survey_id}/close")).status == 409
        assert (await api.get("/api/v1/surveys/999999")).status == 404

        broadcast = await api.post(
            "/api/v1/broadcasts", json={"title": "Later", "template_text": "Hi", "audience_kind": "not_answered_survey", "audience_value": str(survey_id)}
        )
        broadcast_id = (await broadcast.json())["id"]
        past = await api.post(f"/api/v1/broadcasts/{broadcast_id}/schedule", json={"send_at": staff_web.clock().isoformat()})
        assert past.status == 422 and (await past.json())["fields"][0]["field"] == "send_at"
        later = (staff_web.clock() + timedelta(hours=3)).isoformat()
        scheduled = await (await api.post(f"/api/v1/broadcasts/{broadcast_id}/schedule", json={"send_at": later})).json()
        assert scheduled["status"] == "scheduled" and scheduled["scheduled_for"] is not None


async def test_survey_pages_pass_axe(staff_web: StaffWeb) -> None:
    school_id, carers = await _school(staff_web)
    user = await staff_web.add_user(StaffRole.PACT_COORDINATOR)
    async with chromium() as browser:
        page = await browser.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        await sign_in(page, staff_web, user.email)
        await check_page(page, f"{staff_web.url}/surveys/new", watch)
        await page.get_by_role("button", name="Save and preview").click()
        await page.wait_for_selector(".govuk-error-summary")
        watch.problems[:] = [problem for problem in watch.problems if "status of 422" not in problem]
        await check_current(page, watch)
        assert not await page.locator("#audience_route").is_visible()  # revealed only with its radio
        for name, value in _form(staff_web, school_id).items():
            if name == "audience_kind":
                await page.locator(f"input[name=audience_kind][value={value}]").check()
            elif name in {"question_1_kind", "question_2_kind", "audience_school"}:
                await page.locator(f"#{name}").select_option(value)
            elif name != "asks_for_comments":
                await page.locator(f"[name='{name}']").fill(value)
        assert await page.locator("#audience_school").is_visible() and not await page.locator("#audience_route").is_visible()
        await page.get_by_role("button", name="Save and preview").click()
        await page.wait_for_selector("#recipient-count")
        await check_current(page, watch)
        await page.get_by_role("button", name="Send the survey").click()
        await page.wait_for_selector(".govuk-notification-banner")
        await check_current(page, watch)
        survey_id = int(page.url.split("/surveys/")[1].split("?")[0])
        (ann_chat, ann), _, _ = carers
        await _answer(staff_web, ann_chat, ann, survey_id, rating=5, words="Brilliant driver")
        await check_page(page, f"{staff_web.url}/surveys/{survey_id}/results", watch)
        await check_page(page, f"{staff_web.url}/surveys", watch)
