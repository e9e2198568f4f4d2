"""The demo data brings families with no Telegram through the import's contact columns, and the sandbox's Notify wiring."""

from __future__ import annotations

import aiohttp

from carerline.demo import demo_families, seed_demo_data
from carerline.demo_notify import FAILING_MOBILES, start_sandbox_notify
from db.dao.transport.contacts import fetch_contacts_for_children
from db.dao.transport.data import fetch_children_by_ids
from db.engine import Database
from db.models import Child
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from sqlmodel import select


async def test_seeding_imports_mobile_only_email_only_and_neither_families_and_codes_only_for_telegram_ones(
    database_url: str,
) -> None:
    first = await seed_demo_data(database_url=database_url)
    again = await seed_demo_data(database_url=database_url)
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            children = list((await session.exec(select(Child))).all())
            contacts = await fetch_contacts_for_children(session, child_ids=[child.id for child in children if child.id])
            assert len(await fetch_children_by_ids(session, child_ids=[c.id for c in children if c.id])) == 13
    finally:
        await database.dispose()
    by_reference = {child.id: child.council_reference for child in children}
    held = {by_reference[child_id]: (contact.name, contact.mobile_e164, contact.email)
            for (child_id, position), contact in contacts.items() if position == 1}
    assert held == {
        "KCC-900008": ("Dana Hughes", "+447700900011", None),
        "KCC-900009": ("Ewa Nowak", "+447700900012", None),
        "KCC-900010": ("Lee Parker", None, "lee.parker@example.com"),
        "KCC-900011": ("Sam Okafor", None, "sam.okafor@example.org"),
        "KCC-900012": ("Chris Wood", "+447700900015", "chris.wood@example.com"),
        "KCC-900013": ("Jamie Reid", None, None),
    }
    assert first.children == again.children == 13
    assert sorted(code.council_reference for code in first.codes) == [f"KCC-90000{n}" for n in range(1, 8)]
    banner = first.describe(bot_username="CarerlineSandboxBot")
    assert "Alfie    KCC-900013  Jamie Reid: no mobile or email: the call list" in banner
    assert "Freya    KCC-900010  Lee Parker: email (lee.parker@example.com)" in banner


async def test_the_sandbox_notify_emulator_knows_the_families_and_gives_settings_in_its_own_format() -> None:
    notify, settings = await start_sandbox_notify(host="127.0.0.1", port=0, carerline_url="http://127.0.0.1:9",
                                                  families=demo_families())
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{notify.url}/_notify/people") as answer:
            people = (await answer.json())["people"]
    finally:
        await notify.stop()
    assert [person["name"] for person in people] == [
        "Dana Hughes (Isla's family)", "Ewa Nowak (Oskar's family)", "Lee Parker (Freya's family)",
        "Sam Okafor (Theo's family)", "Chris Wood (Mia's family)",
    ]
    assert settings["notify_api_key"] == notify.api_key and str(settings["notify_base_url"]) == notify.url
    assert settings["notify_generic_sms_template_id"] == GENERIC_TEMPLATE_IDS["sms"]
    assert notify.callbacks.status_url == "http://127.0.0.1:9/notify/callbacks/status"
    assert notify.callbacks.status_token == settings["notify_callback_token"]
    assert notify.outcomes == {mobile.lower(): "permanent-failure" for mobile in FAILING_MOBILES}
