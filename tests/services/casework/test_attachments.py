"""Complaint attachments: judged by content, size-limited, written atomically outside served folders."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

import web
from db.engine import Database
from db.models.casework import ComplaintAttachment
from services.casework.attachments import (
    AttachmentRejected,
    add_complaint_attachment,
    read_complaint_attachment,
    refuse_attachments_under,
    sweep_orphaned_attachments,
)
from services.casework.errors import CaseworkError, NotYourCase
from services.complaints.timetable import ComplaintSubject
from services.complaints.workflow import ComplaintReceipt, submit_complaint
from tests.support.casework import pdf_bytes, png_bytes, windows_executable_bytes
from tests.support.factories import make_carer, make_family
from services.carers.channel_plans import CouncilContact

NOW = datetime(2026, 3, 5, 10, tzinfo=UTC)
MAX_BYTES = 64 * 1024


async def open_complaint(database: Database) -> tuple[int, int]:
    async with database.transaction() as session:
        carer, child = await make_family(session)
        receipt = await submit_complaint(
            session, carer_id=carer.id, child_id=child.id, subject=ComplaintSubject.SERVICE_DELIVERY,  # type: ignore[arg-type]
            description="The ramp was broken.", now=NOW, council=CouncilContact(phone="0300", hours="8:30am to 5pm"),
        )
    assert isinstance(receipt, ComplaintReceipt)
    return receipt.complaint_id, carer.id  # type: ignore[return-value]


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("content", "name", "content_type", "extension"),
    [(png_bytes(), "ramp photo.PNG", "image/png", ".png"), (pdf_bytes(), "../../etc/letter.pdf", "application/pdf", ".pdf")],
)
async def test_real_png_and_pdf_are_kept_under_a_random_name(
    database: Database, tmp_path: Path, content: bytes, name: str, content_type: str, extension: str
) -> None:
    complaint_id, carer_id = await open_complaint(database)
    folder = tmp_path / "attachments"
    async with database.transaction() as session:
        attachment = await add_complaint_attachment(
            session, complaint_id=complaint_id, carer_id=carer_id, content=content, original_name=name,
            attachments_dir=folder, max_bytes=MAX_BYTES, now=NOW,
        )
    assert attachment.content_type == content_type and attachment.size_bytes == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.original_name == Path(name).name  # never a path
    assert attachment.stored_name.endswith(extension) and len(attachment.stored_name) == 32 + len(extension)
    assert files_in(folder) == [attachment.stored_name]
    stored = folder / attachment.stored_name
    assert stored.read_bytes() == content and stat_mode(stored) == 0o600
    served = Path(web.__file__).parent.resolve()
    assert served not in stored.resolve().parents
    async with database.transaction() as session:
        record, read_back = await read_complaint_attachment(session, attachment_id=attachment.id, attachments_dir=folder)  # type: ignore[arg-type]
    assert read_back == content and record.id == attachment.id


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


async def test_an_executable_renamed_jpg_and_an_oversize_file_are_refused(database: Database, tmp_path: Path) -> None:
    complaint_id, carer_id = await open_complaint(database)
    folder = tmp_path / "attachments"
    cases = [
        (windows_executable_bytes(), "holiday.jpg", "not_allowed"),
        (b"just some text pretending to be a PDF", "letter.pdf", "not_allowed"),
        (png_bytes() + b"\x00" * MAX_BYTES, "huge.png", "too_large"),
        (b"", "empty.png", "empty"),
    ]
    for content, name, reason in cases:
        async with database.transaction() as session:
            with pytest.raises(AttachmentRejected) as refused:
                await add_complaint_attachment(
                    session, complaint_id=complaint_id, carer_id=carer_id, content=content, original_name=name,
                    attachments_dir=folder, max_bytes=MAX_BYTES, now=NOW,
                )
        assert refused.value.reason == reason, name
    assert files_in(folder) == []
    async with database.transaction() as session:
        assert (await session.exec(select(ComplaintAttachment))).all() == []


async def test_nothing_is_left_behind_when_the_transaction_fails(database: Database, tmp_path: Path) -> None:
    complaint_id, carer_id = await open_complaint(database)
    folder = tmp_path / "attachments"
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await add_complaint_attachment(
                session, complaint_id=complaint_id, carer_id=carer_id, content=png_bytes(), original_name="a.png",
                attachments_dir=folder, max_bytes=MAX_BYTES, now=NOW,
            )
            assert len(files_in(folder)) == 1  # written in full before the row is recorded
            raise RuntimeError("the bot failed after saving the attachment")
    assert files_in(folder) == []
    async with database.transaction() as session:
        assert (await session.exec(select(ComplaintAttachment))).all() == []


async def test_only_the_complainant_may_attach_and_never_inside_a_served_folder(database: Database, tmp_path: Path) -> None:
    complaint_id, carer_id = await open_complaint(database)
    async with database.transaction() as session:
        stranger = await make_carer(session)
    async with database.transaction() as session:
        with pytest.raises(NotYourCase):
            await add_complaint_attachment(
                session, complaint_id=complaint_id, carer_id=stranger.id, content=png_bytes(), original_name=None,  # type: ignore[arg-type]
                attachments_dir=tmp_path, max_bytes=MAX_BYTES, now=NOW,
            )
        refuse_attachments_under(Path(web.__file__).parent)  # as the web side does when it is built
        with pytest.raises(CaseworkError, match="outside"):
            await add_complaint_attachment(
                session, complaint_id=complaint_id, carer_id=carer_id, content=png_bytes(), original_name=None,
                attachments_dir=Path(web.__file__).parent / "static" / "uploads", max_bytes=MAX_BYTES, now=NOW,
            )
    assert not (Path(web.__file__).parent / "static" / "uploads").exists()


async def test_sweep_removes_only_old_files_with_no_record(database: Database, tmp_path: Path) -> None:
    complaint_id, carer_id = await open_complaint(database)
    folder = tmp_path / "attachments"
    async with database.transaction() as session:
        kept = await add_complaint_attachment(
            session, complaint_id=complaint_id, carer_id=carer_id, content=pdf_bytes(), original_name="a.pdf",
            attachments_dir=folder, max_bytes=MAX_BYTES, now=NOW,
        )
    orphan, fresh = folder / "0123abcd.png", folder / "fedc3210.png"
    orphan.write_bytes(png_bytes())
    fresh.write_bytes(png_bytes())
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    os.utime(folder / kept.stored_name, (two_hours_ago, two_hours_ago))
    async with database.transaction() as session:
        removed = await sweep_orphaned_attachments(session, attachments_dir=folder, now=datetime.now(UTC))
    assert removed == 1 and files_in(folder) == sorted([kept.stored_name, fresh.name])
