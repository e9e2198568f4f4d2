"""Pseudonymous case keys for pseudonymised exports of complaints and problems.

A case reference (HTST-2026-00042) or row id leads anyone with the staff pages straight to the family,
so pseudonymised exports carry instead `case_key` = HMAC-SHA256(CARERLINE_CASE_KEY_SECRET, "complaint:<id>")
cut to 64 bits: the same case gets the same key in every export (rows can be matched across exports and
years), two kinds never share a key, and without the secret the key cannot be turned back into a case
(nor a guessed id checked against it). Nothing is stored, so no schema change and no lookup table that
could leak; rotating the secret changes every key at once (plan it at a year end).
"""

from __future__ import annotations

import hashlib
import hmac

from core.errors import ConfigurationError

CASE_KEY_PREFIX = "K-"
_KEY_HEX_DIGITS = 16  # 64 bits: a collision among a million cases has odds of about 1 in 37 million


class CaseKeySecretMissing(ConfigurationError):
    """A pseudonymised complaint or problem export was asked for without CARERLINE_CASE_KEY_SECRET."""

    def __init__(self) -> None:
        super().__init__(
            "CARERLINE_CASE_KEY_SECRET is missing: pseudonymised exports of complaints and problems need it "
            "for their case keys (at least 32 random characters, kept as secret as the database password)"
        )


def case_key(*, kind: str, case_id: int, secret: bytes) -> str:
    """The stable pseudonymous key of one case (`kind` is "complaint" or "problem")."""
    digest = hmac.new(secret, f"{kind}:{case_id}".encode(), hashlib.sha256).hexdigest()
    return CASE_KEY_PREFIX + digest[:_KEY_HEX_DIGITS].upper()
