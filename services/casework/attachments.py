"""Photos and PDFs sent with a complaint: checked by their content, stored outside any served folder.

- The type is read from the file's first bytes (the `filetype` library's magic numbers), never from
  its name or the sender's MIME type: only JPEG, PNG, WebP, HEIC and PDF are kept.
- The size limit is CARERLINE_ATTACHMENT_MAX_BYTES (10 MB by default).
- Bytes go to CARERLINE_ATTACHMENTS_DIR under a random name: written to a temporary file, flushed
  and renamed into place, so a reader never sees half a file. If the database transaction that
  records the attachment rolls back, the file is removed; files whose row is gone (a crash between
  the two, or an erasure) are removed by `sweep_orphaned_attachments`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import filetype
from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.casework.complaints import (
    fetch_all_attachment_names,
    fetch_attachment,
    fetch_attachments,
    fetch_complaint,
    save_attachment,
)
from db.models.casework import ComplaintAttachment, ComplaintStatus
from services.casework.errors import CaseNotFound, CaseworkError, NotYourCase, StepNotAllowed

ALLOWED_CONTENT_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
}
MAX_ATTACHMENTS_PER_COMPLAINT = 10
# Folders the web server serves; attachments must never be under them. The web side names its own
# when it is built, since the services cannot know where the web layer's files live.
_served_folders: set[Path] = set()
_TEMPORARY_PREFIX = ".incoming-"


class AttachmentRejected(CaseworkError):
    """A file we do not keep; `reason` is "empty", "too_large", "not_allowed" or "too_many"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file that passed the checks: its real type and its fingerprint."""

    content_type: str
    extension: str
    size_bytes: int
    sha256: str


def check_file(content: bytes, *, max_bytes: int) -> CheckedFile:
    """Refuse empty, oversize and anything but JPEG/PNG/WebP/HEIC/PDF, judged by the bytes alone."""
    if not content:
        raise AttachmentRejected("empty", "the file is empty")
    if len(content) > max_bytes:
        raise AttachmentRejected("too_large", f"the file is larger than {max_bytes} bytes")
    kind = filetype.guess(content)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED_CONTENT_TYPES:
        raise AttachmentRejected("not_allowed", f"files of type {mime or 'unknown'} are not accepted")
    return CheckedFile(
        content_type=mime,
        extension=ALLOWED_CONTENT_TYPES[mime],
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def refuse_attachments_under(folder: Path) -> None:
    """Never store an attachment in or under `folder` (a folder the web server serves)."""
    _served_folders.add(folder.resolve())


def prepare_attachments_dir(attachments_dir: Path) -> Path:
    """Create the folder (owner-only) and refuse one inside a folder the web server serves."""
    folder = attachments_dir.resolve()
    for served in sorted(_served_folders):
        if folder == served or served in folder.parents:
            raise CaseworkError(f"CARERLINE_ATTACHMENTS_DIR must be outside {served}")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write_atomically(folder: Path, stored_name: str, content: bytes) -> Path:
    """Write to a temporary file in the same folder, flush to disk, then rename into place."""
    target = folder / stored_name
    temporary = folder / f"{_TEMPORARY_PREFIX}{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _remove_file_on_rollback(session: AsyncSession, path: Path) -> None:
    """Delete `path` if this session's transaction rolls back before it commits."""
    state = {"committed": False}

    def on_commit(_session: object) -> None:
        state["committed"] = True

    def on_rollback(_session: object) -> None:
        if not state["committed"]:
            path.unlink(missing_ok=True)

    event.listen(session.sync_session, "after_commit", on_commit, once=True)
    event.listen(session.sync_session, "after_rollback", on_rollback, once=True)


async def add_complaint_attachment(
    session: AsyncSession,
    *,
    complaint_id: int,
    carer_id: int,
    content: bytes,
    original_name: str | None,
    attachments_dir: Path,
    max_bytes: int,
    now: datetime,
) -> ComplaintAttachment:
    """Bot: a photo or PDF sent with the carer's own open complaint; AttachmentRejected says why not."""
    complaint = await fetch_complaint(session, complaint_id=complaint_id, for_update=True)
    if complaint is None:
        raise CaseNotFound(f"no complaint {complaint_id}")
    if complaint.carer_id != carer_id:
        raise NotYourCase("this complaint is not the carer's")
    if complaint.status == ComplaintStatus.CLOSED:
        raise StepNotAllowed(f"{complaint.reference} is closed")
    if len(await fetch_attachments(session, complaint_id=complaint_id)) >= MAX_ATTACHMENTS_PER_COMPLAINT:
        raise AttachmentRejected("too_many", f"a complaint can have up to {MAX_ATTACHMENTS_PER_COMPLAINT} files")
    checked = check_file(content, max_bytes=max_bytes)
    folder = prepare_attachments_dir(attachments_dir)
    stored_name = secrets.token_hex(16) + checked.extension
    path = _write_atomically(folder, stored_name, content)
    _remove_file_on_rollback(session, path)
    # Kept only for officers' convenience; never used to find or serve the file.
    shown_name = (Path(original_name).name[:255] if original_name else None) or None
    return await save_attachment(
        session,
        attachment=ComplaintAttachment(
            complaint_id=complaint_id,
            stored_name=stored_name,
            original_name=shown_name,
            content_type=checked.content_type,
            size_bytes=checked.size_bytes,
            sha256=checked.sha256,
            uploaded_at=now,
        ),
    )


async def read_complaint_attachment(
    session: AsyncSession, *, attachment_id: int, attachments_dir: Path
) -> tuple[ComplaintAttachment, bytes]:
    """Staff "Open attachment": the record and its bytes, checked against the stored fingerprint."""
    attachment = await fetch_attachment(session, attachment_id=attachment_id)
    if attachment is None:
        raise CaseNotFound(f"no attachment {attachment_id}")
    content = (attachments_dir.resolve() / attachment.stored_name).read_bytes()
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise CaseworkError(f"attachment {attachment_id} does not match its fingerprint")
    return attachment, content


async def sweep_orphaned_attachments(
    session: AsyncSession, *, attachments_dir: Path, now: datetime, min_age: timedelta = timedelta(hours=1)
) -> int:
    """Remove files with no attachment row (erased, or left by a crash) older than `min_age`; how many."""
    folder = attachments_dir.resolve()
    if not folder.is_dir():
        return 0
    known = set(await fetch_all_attachment_names(session))
    cutoff = (now - min_age).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
