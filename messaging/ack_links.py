"""Short signed "I have seen this" links for texts and emails: one outbox row, one purpose, an expiry."""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, Signer
from itsdangerous.signer import HMACAlgorithm

from core.settings import Settings

# A token is "<outbox id>.<expiry hour>.<signature>": ids and hours in base62, the signature base64url.
# 12 bytes of HMAC-SHA256 = 96 bits (16 characters). Truncated MACs of 64 bits or more are allowed (NIST SP 800-107
# section 5.3.3); a forger can only guess online, against our server, one request at a time, so 2^96 guesses are out of
# reach with a wide margin. A real token is about 26 characters (id 4, hour 4, two dots, signature 16), so the whole
# link stays short in an SMS. 12 bytes are exactly 16 base64 characters with no spare bits, so no other spelling of a
# signature verifies (with 10 bytes the last character carries 4 unused bits and a changed one could still verify). The expiry is counted in whole hours since 1970 (UTC, rounded up), so a link may work up
# to one hour past the moment it was given.
SIGNATURE_BYTES = 12
DEFAULT_EXPIRY = timedelta(days=14)
PATH_PREFIX = "/seen/"
_SALT = b"carerline.ack-link.v1"  # single purpose: a signature made for anything else does not verify here
_ALPHABET = string.digits + string.ascii_letters
_HOUR = 3600


class AckLinkError(Exception):
    """A link that cannot be used: its reason is "expired" or "tampered"; an expired one still names its row."""

    def __init__(self, reason: Literal["expired", "tampered"], *, outbox_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason: Literal["expired", "tampered"] = reason
        self.outbox_id = outbox_id  # set only when the signature was good (expired)


class _TruncatedHMAC(HMACAlgorithm):
    """HMAC-SHA256 cut to SIGNATURE_BYTES; itsdangerous compares it in constant time."""

    def __init__(self) -> None:
        super().__init__(hashlib.sha256)

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        """The first SIGNATURE_BYTES of the HMAC."""
        return super().get_signature(key, value)[:SIGNATURE_BYTES]


def _signer(settings: Settings) -> Signer:
    """The signer for acknowledgement links under CARERLINE_ACK_LINK_SECRET."""
    return Signer(settings.require_ack_link_secret(), salt=_SALT, sep=".", key_derivation="hmac",
                  digest_method=hashlib.sha256, algorithm=_TruncatedHMAC())


def _base62(number: int) -> str:
    """A non-negative integer in base62."""
    if number < 0:
        raise ValueError("base62 takes non-negative numbers")
    digits = ""
    while True:
        number, digit = divmod(number, 62)
        digits = _ALPHABET[digit] + digits
        if number == 0:
            return digits


def _from_base62(text: str) -> int:
    """The integer a base62 string (without leading zeros) stands for; ValueError otherwise."""
    if not text or len(text) > 11 or (len(text) > 1 and text[0] == "0"):
        raise ValueError("not a base62 number")
    number = 0
    for character in text:
        index = _ALPHABET.find(character)
        if index < 0:
            raise ValueError("not a base62 number")
        number = number * 62 + index
    return number


def _payload(*, outbox_id: int, expires_at: datetime | None, now: datetime) -> str:
    """The unsigned payload for an outbox row (expiring 14 days from now when no expiry is given)."""
    if outbox_id <= 0:
        raise ValueError("outbox ids are positive")
    expiry = expires_at if expires_at is not None else now + DEFAULT_EXPIRY
    seconds = expiry.astimezone(UTC).timestamp()
    hour = int(-(-seconds // _HOUR))  # rounded up: a link never stops working before its moment
    return f"{_base62(outbox_id)}.{_base62(hour)}"


def sign_ack_token(*, outbox_id: int, expires_at: datetime | None, now: datetime, settings: Settings) -> str:
    """The signed token for one outbox row, as it goes in the link."""
    payload = _payload(outbox_id=outbox_id, expires_at=expires_at, now=now)
    return _signer(settings).sign(payload.encode("ascii")).decode("ascii")


def ack_url(*, outbox_id: int, expires_at: datetime | None, now: datetime, settings: Settings) -> str:
    """The public "I have seen this" link for one outbox row."""
    token = sign_ack_token(outbox_id=outbox_id, expires_at=expires_at, now=now, settings=settings)
    return f"{settings.staff_base_url}{PATH_PREFIX}{token}"


def read_ack_token(token: str, *, now: datetime, settings: Settings) -> int:
    """The outbox id a token names, or AckLinkError("tampered") / AckLinkError("expired")."""
    if not token or len(token) > 64 or not token.isascii():
        raise AckLinkError("tampered")
    try:
        payload = _signer(settings).unsign(token.encode("ascii")).decode("ascii")
        outbox_text, hour_text = payload.split(".")
        outbox_id, hour = _from_base62(outbox_text), _from_base62(hour_text)
    except (BadSignature, ValueError):
        raise AckLinkError("tampered") from None
    if outbox_id <= 0:
        raise AckLinkError("tampered")
    if now.astimezone(UTC) >= datetime.fromtimestamp(hour * _HOUR, UTC):
        raise AckLinkError("expired", outbox_id=outbox_id)
    return outbox_id

