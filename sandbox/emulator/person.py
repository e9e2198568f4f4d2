"""Acting as a person: the messages, edits and button presses a Telegram client would produce."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import Any

from sandbox.emulator.bot_api.html_entities import utf16_length
from sandbox.emulator.models import DocumentInfo, EmulatedUser, MessageVersion, SentMessage
from sandbox.emulator.state import EmulatorState

_BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_])")
# Smallest valid PNG (1x1 pixel); the photo a person "takes".
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
FAKE_MEDIA_BYTES = {
    "sticker": (b"RIFF\x1a\x00\x00\x00WEBPVP8 emulated-sticker", "image/webp"),
    "voice": (b"OggS\x00emulated-voice-note", "audio/ogg"),
    "video": (b"\x00\x00\x00\x18ftypmp42emulated-video", "video/mp4"),
    "video_note": (b"\x00\x00\x00\x18ftypmp42emulated-round-video", "video/mp4"),
}


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return the bot_command entity Telegram adds when a message starts with /command."""
    match = _BOT_COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(match.group(0))}]


class PersonSimulator:
    """Creates user-side messages and the Updates the bot receives for them."""

    def __init__(self, *, state: EmulatorState) -> None:
        self.state = state

    def set_blocked(self, *, user_id: int, blocked: bool) -> None:
        """Block or unblock the bot, emitting my_chat_member like Telegram."""
        user = self.state.require_user(user_id)
        if user.blocked_bot == blocked:
            return
        user.blocked_bot = blocked
        bot = self.state.bot_user_api()
        old_status, new_status = ("member", "kicked") if blocked else ("kicked", "member")
        old_member: dict[str, Any] = {"status": old_status, "user": bot}
        new_member: dict[str, Any] = {"status": new_status, "user": bot}
        for member in (old_member, new_member):
            if member["status"] == "kicked":
                member["until_date"] = 0
        self.state.enqueue_update(
            update_type="my_chat_member",
            payload={
                "chat": user.private_chat_api(),
                "from": user.to_api(),
                "date": int(time.time()),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )
        self.state.touch_chat(user_id)

    def _open_private_chat(self, user: EmulatedUser) -> None:
        # Writing to a bot you blocked means pressing "Restart", which unblocks it.
        if user.blocked_bot:
            self.set_blocked(user_id=user.user_id, blocked=False)
        user.has_started = True

    def write(
        self,
        *,
        user_id: int,
        kind: str,
        chat_id: int | None = None,
        text: str | None = None,
        caption: str | None = None,
        extra: dict[str, Any] | None = None,
        document: DocumentInfo | None = None,
    ) -> dict[str, Any]:
        """Store a person's message, queue the `message` Update and return the Message."""
        state = self.state
        user = state.require_user(user_id)
        target_chat = user_id if chat_id is None else chat_id
        if target_chat == user_id:
            self._open_private_chat(user)
        elif target_chat not in state.groups:
            raise KeyError(f"no emulated group with id {target_chat}; call add_group first")
        message = SentMessage(
            chat_id=target_chat,
            message_id=state.allocate_message_id(target_chat),
            from_bot=False,
            sender_id=user_id,
            kind=kind,
            date=int(time.time()),
            text=text,
            caption=caption,
            entities=command_entities(text) if text is not None else [],
            document=document,
            extra=extra or {},
        )
        state.add_message(message)
        payload = state.message_to_api(message)
        update = state.enqueue_update(update_type="message", payload=payload)
        state.reply_clock.person_wrote(chat_id=message.chat_id, update_id=update["update_id"])
        return payload

    def edit(self, *, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        """Edit a person's own text message and queue the `edited_message` Update."""
        state = self.state
        message = state.find_message(user_id, message_id)
        if message is None or message.from_bot or message.text is None:
            raise LookupError(f"user {user_id} has no text message {message_id} to edit")
        message.edits.append(
            MessageVersion(
                text=message.text,
                raw_text=None,
                parse_mode=None,
                entities=message.entities,
                reply_markup=None,
                edited_at=message.edit_date or message.date,
            )
        )
        message.text = text
        message.entities = command_entities(text)
        message.edit_date = int(time.time())
        state.touch_chat(user_id)
        payload = state.message_to_api(message)
        state.enqueue_update(update_type="edited_message", payload=payload)
        return payload

    def press(self, *, user_id: int, message_id: int, callback_data: str) -> dict[str, Any]:
        """Press an inline button under a bot message and queue the `callback_query` Update."""
        state = self.state
        user = state.require_user(user_id)
        message = state.find_message(user_id, message_id)
        if message is None or not message.from_bot:
            raise LookupError(f"chat {user_id} has no bot message {message_id}")
        available = message.callback_data_values()
        if callback_data not in available:
            raise LookupError(
                f"message {message_id} in chat {user_id} has no button with callback_data "
                f"{callback_data!r}; available: {available!r}"
            )
        self._open_private_chat(user)
        query = state.new_callback_query(
            user_id=user_id, chat_id=user_id, message_id=message_id, callback_data=callback_data
        )
        chat_instance = hashlib.sha1(f"{state.bot_id}:{user_id}".encode()).hexdigest()[:16]
        payload = {
            "id": query.query_id,
            "from": user.to_api(),
            "message": state.message_to_api(message),
            "chat_instance": str(int(chat_instance, 16)),
            "data": callback_data,
        }
        update = state.enqueue_update(update_type="callback_query", payload=payload)
        state.touch_chat(user_id)
        state.reply_clock.person_pressed(
            chat_id=user_id, update_id=update["update_id"], query_id=query.query_id, message_id=message_id
        )
        return payload

    # --- attachment builders ----------------------------------------------------------

    def _media_file(self, kind: str) -> dict[str, Any]:
        content, mime_type = FAKE_MEDIA_BYTES[kind]
        stored = self.state.register_file(
            content=content, mime_type=mime_type, filename=None, folder=f"{kind}s"
        )
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(content),
        }

    def sticker_extra(self, *, emoji: str = "👍") -> dict[str, Any]:
        """Return the `sticker` field of a sticker message."""
        sticker = {
            **self._media_file("sticker"),
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return {"sticker": sticker}

    def photo_extra(self) -> dict[str, Any]:
        """Return the `photo` field (one PhotoSize) of a photo message."""
        stored = self.state.register_file(
            content=TINY_PNG, mime_type="image/png", filename="photo.png", folder="photos"
        )
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(TINY_PNG),
            "width": 1,
            "height": 1,
        }
        return {"photo": [size]}

    def voice_extra(self, *, duration_s: int = 3) -> dict[str, Any]:
        """Return the `voice` field of a voice message."""
        return {
            "voice": {**self._media_file("voice"), "duration": duration_s, "mime_type": "audio/ogg"}
        }

    def video_extra(self, *, duration_s: int = 5) -> dict[str, Any]:
        """Return the `video` field of a video message."""
        video = {
            **self._media_file("video"),
            "width": 640,
            "height": 360,
            "duration": duration_s,
            "mime_type": "video/mp4",
        }
        return {"video": video}

    def video_note_extra(self, *, duration_s: int = 5) -> dict[str, Any]:
        """Return the `video_note` field of a round video message."""
        return {
            "video_note": {**self._media_file("video_note"), "length": 240, "duration": duration_s}
        }

    def document_info(self, *, filename: str, content: bytes, mime_type: str) -> DocumentInfo:
        """Store a file a person attaches and describe it."""
        stored = self.state.register_file(
            content=content, mime_type=mime_type, filename=filename, folder="documents"
        )
        return DocumentInfo(
            filename=filename, content=content, mime_type=mime_type, file_id=stored.file_id
        )
