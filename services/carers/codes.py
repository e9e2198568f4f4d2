"""Reference codes for letters: generated, formatted, normalised, hashed and issued."""

from __future__ import annotations

import csv
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.linking import fetch_existing_code_hashes, save_linking_codes
from db.models import Child, LinkingCode

# Crockford base32: no I, L, O or U, so nothing can be misread or spell a rude word.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
GROUP_SIZES = (4, 4, 2)
_DIGITS = set("0123456789")
# What people type for the letters we left out (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—.·/]+")
_DEEP_LINK_PAYLOAD = re.compile(r"start=([A-Za-z0-9_-]{1,64})")
MAIL_MERGE_COLUMNS = ("council_reference", "child_name", "code", "deep_link", "expires_on")


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued for a child: the only moment the code itself is known."""

    child_id: int
    council_reference: str
    child_name: str
    code: str
    expires_at: datetime

    @property
    def display(self) -> str:
        """The code as printed in letters, e.g. K7QM-4TXD-P2."""
        return format_code(self.code)

    @property
    def payload(self) -> str:
        """The deep-link /start payload (Telegram: up to 64 of A-Z a-z 0-9 _ -)."""
        return self.code


def generate_code() -> str:
    """A new random code with at least one digit and one letter (so words are never mistaken for codes)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        has_digit = any(char in _DIGITS for char in code)
        if has_digit and any(char not in _DIGITS for char in code):
            return code


def format_code(code: str) -> str:
    """Group a normalised code for reading: K7QM-4TXD-P2."""
    parts, start = [], 0
    for size in GROUP_SIZES:
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def normalise_code(raw: str) -> str | None:
    """The code in canonical form, forgiving case, spaces, hyphens and pasted links; None if not code-shaped."""
    link = _DEEP_LINK_PAYLOAD.search(raw)
    typed = _SEPARATORS.sub("", (link.group(1) if link else raw).strip()).upper()
    # Every code has a real digit; without one, words like "hello there" would read as codes.
    if not any(char in _DIGITS for char in typed):
        return None
    candidate = typed.translate(_READ_AS)
    if len(candidate) != CODE_LENGTH or any(char not in ALPHABET for char in candidate):
        return None
    return candidate


def hash_code(code: str) -> str:
    """What we store instead of the code (SHA-256 of the normalised code)."""
    return hashlib.sha256(f"carerline-linking-code:{code}".encode()).hexdigest()


def deep_link(*, code: str, bot_username: str) -> str:
    """https://t.me/<bot>?start=<code>: opens the bot and sends /start with the code."""
    return f"https://t.me/{bot_username.removeprefix('@')}?start={code}"


async def issue_linking_codes(
    session: AsyncSession, *, children: list[Child], ttl_days: int, now: datetime
) -> list[IssuedCode]:
    """Issue one new code per child, valid for ttl_days; only hashes are stored."""
    codes = _unique_codes(len(children))
    taken = await fetch_existing_code_hashes(session, code_hashes=[hash_code(code) for code in codes])
    while taken:
        codes = [code for code in codes if hash_code(code) not in taken]
        codes += _unique_codes(len(children) - len(codes), avoid=set(codes))
        taken = await fetch_existing_code_hashes(session, code_hashes=[hash_code(code) for code in codes])
    expires_at = now + timedelta(days=ttl_days)
    rows = [
        LinkingCode(code_hash=hash_code(code), child_id=child.id, issued_at=now, expires_at=expires_at)  # type: ignore[arg-type]
        for child, code in zip(children, codes, strict=True)
    ]
    await save_linking_codes(session, codes=rows)
    return [
        IssuedCode(
            child_id=child.id,  # type: ignore[arg-type]
            council_reference=child.council_reference,
            child_name=child.display_name,
            code=code,
            expires_at=expires_at,
        )
        for child, code in zip(children, codes, strict=True)
    ]


def _unique_codes(count: int, *, avoid: set[str] | None = None) -> list[str]:
    codes: list[str] = []
    seen = set(avoid or ())
    while len(codes) < count:
        code = generate_code()
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


def write_mail_merge_csv(handle: TextIO, issued: list[IssuedCode], *, bot_username: str) -> None:
    """Write a mail-merge CSV: reference, child, printed code, deep link and expiry date."""
    writer = csv.writer(handle)
    writer.writerow(MAIL_MERGE_COLUMNS)
    for item in issued:
        writer.writerow(
            [
                item.council_reference,
                item.child_name,
                item.display,
                deep_link(code=item.payload, bot_username=bot_username),
                item.expires_at.date().isoformat(),
            ]
        )
