"""Casework test support: real files (PNG, PDF, a Windows executable), a real local SMTP server, and
reading what casework queued for parents in the outbox."""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlmodel import col, select

from db.engine import Database
from db.models.outbox import OutboxMessage
from tests.support.postgres import free_port


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, valid PNG image (red pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf_bytes(text: str = "Bus did not come") -> bytes:
    """A real, minimal one-page PDF with correct cross-reference offsets."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def windows_executable_bytes() -> bytes:
    """The start of a Windows PE executable ("MZ" header with a PE offset), as a renamed .exe would be."""
    dos_header = b"MZ" + b"\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + struct.pack("<I", 64)
    return dos_header + b"PE\x00\x00" + b"\x00" * 200


@dataclass
class _Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's handler hook
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


class LocalSmtpServer:
    """A real SMTP server (aiosmtpd) on a free localhost port, keeping every email it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self._inbox = _Inbox()
        self._controller = Controller(self._inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        """Emails received so far."""
        with self._inbox.lock:
            return list(self._inbox.messages)


async def outbox_texts(database: Database, *, source_type: str, source_id: int) -> list[str]:
    """What casework queued for the family about one case, oldest first."""
    async with database.transaction() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.source_type == source_type, OutboxMessage.source_id == source_id)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return [row.text or "" for row in rows]


async def outbox_rows(database: Database, *, source_type: str, source_id: int) -> list[OutboxMessage]:
    """The outbox rows casework queued about one case, oldest first."""
    async with database.transaction() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.source_type == source_type, OutboxMessage.source_id == source_id)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return list(rows)
