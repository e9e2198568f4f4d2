"""Counting a text message as GOV.UK Notify does: GSM-7 fragments of 160 (153 when split), otherwise 70 (67)."""

from __future__ import annotations

import math

# The GSM 03.38 basic character set, and the extension table (each extension character costs two).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm(text: str) -> bool:
    """True when every character fits the GSM-7 alphabet (no emoji, no ą, ę, ł...)."""
    return all(char in _GSM_BASIC or char in _GSM_EXTENSION for char in text)


def sms_characters(text: str) -> int:
    """Characters as the network counts them (GSM extension characters take two)."""
    if is_gsm(text):
        return sum(2 if char in _GSM_EXTENSION else 1 for char in text)
    return len(text)


def sms_fragments(text: str) -> int:
    """How many SMS fragments the text costs: GSM-7 160 / 153 per fragment, otherwise (UCS-2) 70 / 67."""
    single, part = (160, 153) if is_gsm(text) else (70, 67)
    length = sms_characters(text)
    return 1 if length <= single else math.ceil(length / part)
