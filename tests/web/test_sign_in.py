"""Signing in and out: cookie flags, refusals that reveal nothing, throttling, idle and absolute expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from db.models.staff import AuditEvent, SignInFailure, StaffRole, StaffSession
from services.staff.accounts import sha256_hex
from tests.support.staff import CSRF_PATTERN, PASSWORD, SettableClock, StaffWeb, start_staff_web
from web.staff.sign_in import REFUSED_MESSAGE


async def audit_actions(staff_web: StaffWeb) -> list[str]:
    async with staff_web.database.transaction() as session:
        return [
            event.action
            for event in (await session.exec(select(AuditEvent).order_by(AuditEvent.id))).all()
        ]


async def test_signing_in_sets_a_hardened_session_cookie_and_opens_the_dashboard(
    staff_web: StaffWeb,
) -> None:
    user = await staff_web.add_user(StaffRole.OFFICER, email="Olu.Officer@Kent.gov.uk")
    client = staff_web.client()
    response = await client.sign_in("  olu.officer@KENT.gov.uk ", PASSWORD)
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard"
    set_cookie = next(
        value
        for value in response.headers.getall("Set-Cookie")
        if value.startswith("carerline_session=")
    )
    assert "HttpOnly" in set_cookie and "Secure" in set_cookie and "SameSite=Lax" in set_cookie
    dashboard = await client.get("/dashboard")
    assert dashboard.status == 200
    assert "What needs a person now" in await dashboard.text()
    async with staff_web.database.transaction() as session:
        stored = (await session.exec(select(StaffSession))).one()
    cookie_value = client.session_cookie().value
    assert (
        stored.session_hash == sha256_hex(cookie_value) and cookie_value not in stored.session_hash
    )
    assert stored.user_id == user.id
    assert "sign_in.succeeded" in await audit_actions(staff_web)


async def test_wrong_password_and_unknown_account_get_the_same_answer(staff_web: StaffWeb) -> None:
    await staff_web.add_user(StaffRole.OFFICER, email="known@kent.gov.uk")
    wrong_password = await staff_web.client().sign_in(
        "known@kent.gov.uk", "not the password at all"
    )
    unknown = await staff_web.client().sign_in("nobody@kent.gov.uk", "not the password at all")
    assert wrong_password.status == unknown.status == 200
    for response in (wrong_password, unknown):
        body = await response.text()
        assert REFUSED_MESSAGE in body and "govuk-error-summary" in body
        assert "carerline_session" not in response.headers.get("Set-Cookie", "")
    assert (await audit_actions(staff_web)).count("sign_in.failed") == 2


async def test_five_failures_throttle_the_account_whatever_the_password_then_time_lifts_it(
    staff_web: StaffWeb,
) -> None:
    await staff_web.add_user(StaffRole.ADMIN, email="target@kent.gov.uk")
    client = staff_web.client()
    for _ in range(5):
        assert (await client.sign_in("target@kent.gov.uk", "guess guess guess")).status == 200
    throttled = await client.sign_in("target@kent.gov.uk", PASSWORD)
    assert throttled.status == 429
    assert "too many times" in await throttled.text()
    # An account that does not exist is throttled the same way, so throttling reveals nothing either.
    for _ in range(5):
        await client.sign_in("ghost@kent.gov.uk", "guess guess guess")
    ghost = await client.sign_in("ghost@kent.gov.uk", "guess guess guess")
    assert ghost.status == 429
    staff_web.clock.advance(timedelta(minutes=16))
    assert (await client.sign_in("target@kent.gov.uk", PASSWORD)).status == 303
    async with staff_web.database.transaction() as session:
        remaining = (
            await session.exec(
                select(SignInFailure).where(
                    SignInFailure.email_key == sha256_hex("target@kent.gov.uk")
                )
            )
        ).all()
    assert remaining == []
    assert "sign_in.throttled" in await audit_actions(staff_web)


async def test_one_address_is_throttled_after_many_failures_across_accounts(
    database_url: str, clock: SettableClock
) -> None:
    running, runner = await start_staff_web(
        database_url=database_url, clock=clock, staff_sign_in_max_failures_per_ip=4
    )
    try:
        client = running.client()
        for number in range(4):
            assert (
                await client.sign_in(f"someone{number}@kent.gov.uk", "guess guess guess")
            ).status == 200
        user = await running.add_user(StaffRole.OFFICER)
        assert (await client.sign_in(user.email, PASSWORD)).status == 429
    finally:
        await client.close()
        await runner.cleanup()
        await running.database.dispose()


async def test_a_session_idle_for_longer_than_30_minutes_ends(staff_web: StaffWeb) -> None:
    client, _ = await staff_web.signed_in(StaffRole.OFFICER)
    staff_web.clock.advance(timedelta(minutes=29))
    assert (await client.get("/dashboard")).status == 200  # activity keeps it alive
    staff_web.clock.advance(timedelta(minutes=29))
    assert (await client.get("/dashboard")).status == 200
    staff_web.clock.advance(timedelta(minutes=31))
    expired = await client.get("/dashboard")
    assert expired.status == 303
    assert expired.headers["Location"].startswith("/sign-in?next=%2Fdashboard&signed_out=1")
    page = await client.get(expired.headers["Location"])
    assert "signed out because you were inactive" in await page.text()
    assert "session.expired" in await audit_actions(staff_web)


async def test_a_session_ends_after_12_hours_however_active(staff_web: StaffWeb) -> None:
    client, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    steps_answered = 0
    for _ in range(40):
        staff_web.clock.advance(timedelta(minutes=25))
        if (await client.get("/dashboard")).status != 200:
            break
        steps_answered += 1
    assert steps_answered == 28  # 28 x 25 min = 11 h 40 min; the 29th step is past 12 hours


async def test_sign_out_ends_the_session_for_good(staff_web: StaffWeb) -> None:
    client, _ = await staff_web.signed_in(StaffRole.ADMIN)
    stolen_cookie = client.session_cookie().value
    response = await client.post_form("/sign-out")
    assert response.status == 303 and response.headers["Location"] == "/sign-in?left=1"
    assert (await client.get("/dashboard")).status == 303
    replay = staff_web.client()
    replay.http.cookie_jar.update_cookies({"carerline_session": stolen_cookie})
    assert (await replay.get("/dashboard")).status == 303
    assert "sign_out" in await audit_actions(staff_web)


async def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(staff_web: StaffWeb) -> None:
    admin, _ = await staff_web.signed_in(StaffRole.ADMIN)
    officer, officer_user = await staff_web.signed_in(StaffRole.OFFICER)
    assert (await admin.post_form(f"/accounts/{officer_user.id}/deactivate")).status == 303
    assert (await officer.get("/dashboard")).status == 303
    assert (await staff_web.client().sign_in(officer_user.email)).status == 200


async def test_sign_in_only_returns_to_paths_on_this_site(staff_web: StaffWeb) -> None:
    user = await staff_web.add_user(StaffRole.OFFICER)
    client = staff_web.client()
    page = await client.get("/sign-in?next=//evil.example/phish")
    assert 'name="next" value="/dashboard"' in await page.text()
    page = await client.get("/sign-in?next=/audit%3Fpage%3D2")
    assert 'name="next" value="/audit?page=2"' in await page.text()
    for next_path, expected in (
        ("https://evil.example/", "/dashboard"),
        ("/audit?page=2", "/audit?page=2"),
    ):
        fresh = staff_web.client()
        token = CSRF_PATTERN.search(await (await fresh.get("/sign-in")).text())
        assert token
        response = await fresh.http.post(
            "/sign-in",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "next": next_path,
            },
            allow_redirects=False,
        )
        assert response.headers["Location"] == expected
