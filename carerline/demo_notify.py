"""The sandbox's GOV.UK Notify: the emulator started beside Carerline, its callbacks pointed at us, the settings to use it.

Nothing here is a real secret: the emulator makes a fresh API key each start, and the callback token and the
acknowledgement-link secret are generated each start too.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS, NotifyEmulator, new_callback_token

if TYPE_CHECKING:
    from carerline.demo import DemoFamily

# Receipts come this long after a text or email is accepted, as Notify's do (a few seconds).
SANDBOX_RECEIPT_DELAY_S = 3.0
# Chris Wood's phone is switched off for good: texts to it end in permanent-failure, so the email goes next.
FAILING_MOBILES = ("+447700900015",)


async def start_sandbox_notify(
    *, host: str, port: int, carerline_url: str, families: Sequence[DemoFamily]
) -> tuple[NotifyEmulator, dict[str, object]]:
    """Start the Notify emulator on its own port; (the emulator, the Carerline settings that use it)."""
    notify = NotifyEmulator()
    notify.set_faults(callback_delay_s=SANDBOX_RECEIPT_DELAY_S)
    callback_token = new_callback_token()
    notify.set_callbacks(
        status_url=f"{carerline_url}/notify/callbacks/status", status_token=callback_token,
        inbound_url=f"{carerline_url}/notify/callbacks/inbound", inbound_token=callback_token,
        retry_delay_s=5.0,
    )
    for mobile in FAILING_MOBILES:
        notify.set_outcome(recipient=mobile, status="permanent-failure")
    for family in families:
        if family.mobile or family.email:
            failing = " Texts to this phone fail for good." if family.mobile in FAILING_MOBILES else ""
            notify.add_person(name=f"{family.carer_name} ({family.child_name}'s family)", mobile=family.mobile,
                              email=family.email, note=f"No Telegram: {family.reach}.{failing}")
    await notify.start(host=host, port=port)
    return notify, notify_settings(notify=notify, callback_token=callback_token)


def notify_settings(*, notify: NotifyEmulator, callback_token: str) -> dict[str, object]:
    """Settings overrides pointing Carerline at a Notify emulator, with the generic ((body)) templates."""
    return {
        "notify_api_key": notify.api_key,
        "notify_base_url": notify.url,
        "notify_callback_token": callback_token,
        "notify_generic_sms_template_id": GENERIC_TEMPLATE_IDS["sms"],
        "notify_generic_email_template_id": GENERIC_TEMPLATE_IDS["email"],
        "notify_generic_letter_template_id": GENERIC_TEMPLATE_IDS["letter"],
    }


def new_ack_link_secret() -> str:
    """A fresh secret for the "I have seen this" links of one sandbox run."""
    return secrets.token_urlsafe(32)
