"""A child's page and API for officers: family contacts seen (audited) and changed (CSRF, error summary, audited);
PACT, operators and admins never see them; the page passes axe with an error and after saving."""

from __future__ import annotations

from sqlmodel import col, select

from db.models import AuditEvent, Child, ContactChange, FamilyContact
from db.models.staff import StaffRole
from tests.support.api_client import Api
from tests.support.browser import ConsoleWatch, chromium
from tests.support.factories import make_carer, make_child
from tests.support.staff import StaffWeb
from tests.web.test_pages_browser import check_current, check_page, sign_in

MOBILE, EMAIL = "+447700900321", "anna.k@example.org"


async def _family(staff_web: StaffWeb) -> tuple[Child, FamilyContact, FamilyContact]:
    async with staff_web.database.transaction() as session:
        child = await make_child(session, display_name="Sam")
        carer = await make_carer(session, first_name="Anna", children=[child])
        anna = FamilyContact(child_id=child.id, position=1, name="Anna Kowalska", mobile_e164=MOBILE, email=EMAIL,  # type: ignore[arg-type]
                             preferred_channel="sms", carer_id=carer.id)
        piotr = FamilyContact(child_id=child.id, position=2, name="Piotr Kowalski", postal_address="1 Quarry Rise\nMaidstone\nME14 1XQ")  # type: ignore[arg-type]
        session.add_all([anna, piotr])
        await session.flush()
    return child, anna, piotr


async def _actions(staff_web: StaffWeb) -> list[str]:
    async with staff_web.database.transaction() as session:
        return [event.action for event in (await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()]


async def _contact(staff_web: StaffWeb, contact_id: int) -> FamilyContact:
    async with staff_web.database.transaction() as session:
        contact = await session.get(FamilyContact, contact_id)
    assert contact is not None
    return contact


LISTING = "/api/v1/transport/children/{child_id}/contacts"
ONE = "/api/v1/transport/children/{child_id}/contacts/{contact_id}"


async def _officer_api(staff_web: StaffWeb) -> Api:
    """The JSON API as an officer, its OpenAPI document loaded (each call is checked against it)."""
    api = Api(staff_web.url, await staff_web.add_token(StaffRole.OFFICER))
    await api.load_document()
    return api

async def test_an_officer_sees_and_changes_contacts_and_both_are_audited(staff_web: StaffWeb) -> None:
    child, anna, piotr = await _family(staff_web)
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    page = await officer.get(f"/transport/children/{child.id}")
    body = await page.text()
    assert page.status == 200 and "Anna Kowalska" in body and MOBILE in body and EMAIL in body and "ME14 1XQ" in body
    assert (await _actions(staff_web))[-1] == "transport.child_contacts_viewed"
    path = f"/transport/children/{child.id}/contacts/{anna.id}"
    form = {"name": "Anna Kowalska", "mobile": "01622 690000", "email": "not an email", "address": "", "channel": "sms"}
    assert (await officer.post_form(path, form, with_csrf=False)).status == 403
    refused = await officer.post_form(path, form)
    text = await refused.text()
    assert refused.status == 422 and "There is a problem" in text
    assert f'href="#c{anna.id}-mobile"' in text and "this is a landline" in text and f'href="#c{anna.id}-email"' in text
    assert (await _contact(staff_web, anna.id or 0)).mobile_e164 == MOBILE  # nothing saved
    hostile = await officer.post_form(path, {**form, "name": "<b>Anna</b>" * 500, "mobile": "x" * 5000})
    text = await hostile.text()
    assert hostile.status == 422 and "100 characters or fewer" in text and "<b>Anna</b>" not in text
    assert "Enter a UK mobile number, like 07700 900123" in text
    form.update(mobile="07700 900 999", email="", channel="email")  # email first, but no email held
    assert "Add an email address to send emails" in await (await officer.post_form(path, form)).text()
    form.update(channel="sms")
    saved = await officer.post_form(path, form)
    assert saved.status == 303 and saved.headers["Location"] == f"/transport/children/{child.id}?notice=saved"
    changed = await _contact(staff_web, anna.id or 0)
    assert (changed.mobile_e164, changed.email, changed.preferred_channel, changed.changed_by) == ("+447700900999", None, "sms", "officer")
    assert (await _actions(staff_web))[-1] == "transport.child_contact_changed"
    async with staff_web.database.transaction() as session:
        changes = (await session.exec(select(ContactChange).where(ContactChange.contact_id == anna.id))).all()
        audit = (await session.exec(select(AuditEvent).where(AuditEvent.action == "transport.child_contact_changed"))).one()
    assert sorted((c.actor, c.action, c.channel) for c in changes) == [("officer", "added", "sms"), ("officer", "removed", "email")]
    assert audit.detail == {"child_id": child.id, "changed": ["email:removed", "sms:added"]}
    # Telegram first only for a carer who linked; letters only with an address.
    other = {"name": "Piotr Kowalski", "mobile": "", "email": "", "address": "1 Quarry Rise\r\nMaidstone\r\nme141xq", "channel": "telegram"}
    assert "has not linked in Telegram" in await (await officer.post_form(f"/transport/children/{child.id}/contacts/{piotr.id}", other)).text()
    other["channel"] = "letter"
    assert (await officer.post_form(f"/transport/children/{child.id}/contacts/{piotr.id}", other)).status == 303
    assert (await _contact(staff_web, piotr.id or 0)).postal_address == "1 Quarry Rise\nMaidstone\nME14 1XQ"
    assert (await officer.post_form(f"/transport/children/{child.id}/contacts/{piotr.id + 1000}", other)).status == 404  # type: ignore[operator]
    assert (await officer.get("/transport/children/999999")).status == 404


async def test_pact_operators_and_admins_never_see_contacts(staff_web: StaffWeb) -> None:
    child, anna, _ = await _family(staff_web)
    for role in (StaffRole.PACT_COORDINATOR, StaffRole.OPERATOR, StaffRole.ADMIN):
        client, _ = await staff_web.signed_in(role)
        page = await client.get(f"/transport/children/{child.id}")
        assert page.status == 403 and MOBILE not in await page.text(), role
        form = {"name": "X", "mobile": "07700 900111", "email": "", "address": "", "channel": ""}
        assert (await client.post_form(f"/transport/children/{child.id}/contacts/{anna.id}", form)).status == 403, role
        token = await staff_web.add_token(role)
        api = Api(staff_web.url, token)
        try:
            status, body = await api.call("GET", "/api/v1/transport/children/{child_id}/contacts", path=f"/api/v1/transport/children/{child.id}/contacts")
            assert status == 403 and MOBILE not in str(body), role
        finally:
            await api.http.close()
    assert (await _contact(staff_web, anna.id or 0)).mobile_e164 == MOBILE
    assert "transport.child_contacts_viewed" not in await _actions(staff_web)


async def test_the_api_lists_and_replaces_a_contact_as_documented(staff_web: StaffWeb) -> None:
    child, anna, piotr = await _family(staff_web)
    api = await _officer_api(staff_web)
    try:
        status, body = await api.call("GET", LISTING, path=f"/api/v1/transport/children/{child.id}/contacts")
        assert status == 200 and [(c["name"], c["mobile"], c["is_linked_in_telegram"]) for c in body["contacts"]] == [
            ("Anna Kowalska", MOBILE, True), ("Piotr Kowalski", None, False)
        ]
        assert body["contacts"][1]["postal_address"] == ["1 Quarry Rise", "Maidstone", "ME14 1XQ"]
        path = f"/api/v1/transport/children/{child.id}/contacts/{piotr.id}"
        status, body = await api.call("PUT", ONE, path=path, json={"name": "Piotr Kowalski", "mobile": "+33 6 12 34 56 78", "preferred_channel": "sms"})
        assert status == 422 and [f["field"] for f in body["fields"]] == ["mobile"]
        status, body = await api.call("PUT", ONE, path=path, json={"name": "Piotr Kowalski", "mobile": "07700 900 888", "preferred_channel": "sms"})
        assert status == 200 and (body["mobile"], body["preferred_channel"], body["postal_address"], body["changed_by"]) == (
            "+447700900888", "sms", None, "officer"
        )
        status, _ = await api.call("PUT", ONE, path=f"/api/v1/transport/children/{child.id}/contacts/{anna.id + 500}", json={"name": "X"})  # type: ignore[operator]
        assert status == 404
        status, _ = await api.call("GET", LISTING, path="/api/v1/transport/children/0/contacts")
        assert status == 422
    finally:
        await api.http.close()
    assert (await _actions(staff_web)).count("transport.child_contact_changed") == 1


async def test_the_child_page_passes_axe_with_an_error_and_after_saving(staff_web: StaffWeb) -> None:
    child, anna, _ = await _family(staff_web)
    officer = await staff_web.add_user(StaffRole.OFFICER)
    async with chromium() as browser:
        page = await browser.new_page()
        watch = ConsoleWatch()
        watch.attach(page)
        await sign_in(page, staff_web, officer.email)
        await check_page(page, f"{staff_web.url}/transport/children/{child.id}", watch)
        mobile = page.locator(f"#c{anna.id}-mobile")
        await mobile.fill("01622 690000")
        await page.get_by_role("button", name="Save Anna Kowalska's details").click()
        await page.wait_for_selector(".govuk-error-summary")
        watch.problems[:] = [problem for problem in watch.problems if "status of 422" not in problem]
        await check_current(page, watch)
        await page.locator(f"#c{anna.id}-mobile").fill("07700 900 777")
        await page.get_by_role("button", name="Save Anna Kowalska's details").click()
        await page.wait_for_url(f"{staff_web.url}/transport/children/{child.id}?notice=saved")
        await check_current(page, watch)
    assert (await _contact(staff_web, anna.id or 0)).mobile_e164 == "+447700900777"


async def test_an_officer_sees_and_corrects_the_language_on_the_page_and_in_the_api(staff_web: StaffWeb) -> None:
    child, _, piotr = await _family(staff_web)
    async with staff_web.database.transaction() as session:
        held = await session.get(FamilyContact, piotr.id)
        assert held is not None
        held.language = "pl"  # the import's carer2_language
        session.add(held)
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    body = await (await officer.get(f"/transport/children/{child.id}")).text()
    assert f'id="c{piotr.id}-language-pl" name="language" type="radio" value="pl" checked' in body
    assert "Language for texts, emails and letters" in body
    path = f"/transport/children/{child.id}/contacts/{piotr.id}"
    form = {"name": "Piotr Kowalski", "mobile": "", "email": "", "address": "1 Quarry Rise\nMaidstone\nME14 1XQ",
            "channel": "", "language": "de"}
    refused = await officer.post_form(path, form)
    assert refused.status == 422 and "Choose English or Polish for their texts, emails and letters" in await refused.text()
    assert (await _contact(staff_web, piotr.id or 0)).language == "pl"
    assert (await officer.post_form(path, {**form, "language": "en"})).status == 303
    changed = await _contact(staff_web, piotr.id or 0)
    assert (changed.language, changed.changed_by) == ("en", "officer")
    async with staff_web.database.transaction() as session:
        audit = (await session.exec(select(AuditEvent).where(AuditEvent.action == "transport.child_contact_changed"))).one()
    assert audit.detail["changed"] == ["language"]
    api = await _officer_api(staff_web)
    try:
        status, listed = await api.call("GET", LISTING, path=f"/api/v1/transport/children/{child.id}/contacts")
        assert status == 200 and [c["language"] for c in listed["contacts"]] == [None, "en"]
        put = f"/api/v1/transport/children/{child.id}/contacts/{piotr.id}"
        details = {"name": "Piotr Kowalski", "postal_address": ["1 Quarry Rise", "Maidstone", "ME14 1XQ"]}
        status, _ = await api.call("PUT", ONE, path=put, json={**details, "language": "Polish"})
        assert status == 422
        status, saved = await api.call("PUT", ONE, path=put, json={**details, "language": "pl"})
        assert status == 200 and saved["language"] == "pl"
    finally:
        await api.http.close()
    assert (await _contact(staff_web, piotr.id or 0)).language == "pl"
