"""HTTP control API under /_emulator/ for the phone page and for other processes."""

from __future__ import annotations

import base64
import binascii
import functools
import gc
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from sandbox.emulator.world import EmulatedTelegram

PREFIX = "/_emulator"
MAX_LONG_POLL_S = 60.0
_dumps = functools.partial(json.dumps, ensure_ascii=False)
ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(body: Any, *, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(
            text=_dumps({"error": "body must be JSON"}), content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=_dumps({"error": "body must be a JSON object"}), content_type="application/json"
        )
    return body


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise ValueError(f"{name} is required")
    return body[name]


def _guarded(handler: ControlHandler) -> ControlHandler:
    """Turn emulator exceptions into JSON errors (404 unknown person, 400 bad input)."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except KeyError as exc:
            return _json({"error": str(exc.args[0]) if exc.args else "not found"}, status=404)
        except (LookupError, ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, status=400)

    return wrapper


class ControlApi:
    """Route handlers bound to one emulator."""

    def __init__(self, *, emulator: EmulatedTelegram) -> None:
        self.emulator = emulator

    def _user_id(self, request: web.Request) -> int:
        return self._user_id_value(request.match_info["user_id"])

    async def info(self, request: web.Request) -> web.Response:
        """Bot identity and emulator status."""
        state = self.emulator.state
        return _json({"bot": state.bot_user_api(), "webhook": self.emulator.webhook_info})

    async def stats(self, request: web.Request) -> web.Response:
        """Counters (see EmulatorStats.to_dict)."""
        body = self.emulator.stats.to_dict()
        body["pending_updates"] = len(self.emulator.state.pending_updates)
        return _json(body)

    async def reset_stats(self, request: web.Request) -> web.Response:
        """Zero the counters."""
        self.emulator.reset_stats()
        return _json({"ok": True})

    async def get_faults(self, request: web.Request) -> web.Response:
        """Current fault settings."""
        return _json(self.emulator.faults.to_dict())

    async def set_faults(self, request: web.Request) -> web.Response:
        """Change fault settings; {"reset": true} switches all faults off first."""
        changes = await _body(request)
        if changes.pop("reset", False):
            self.emulator.reset_faults()
        return _json(self.emulator.set_faults(**changes).to_dict())

    async def list_users(self, request: web.Request) -> web.Response:
        """Everyone the emulator knows."""
        return _json([user.to_dict() for user in self.emulator.state.users.values()])

    async def add_user(self, request: web.Request) -> web.Response:
        """Add a person; user_id is chosen when omitted."""
        body = await _body(request)
        first_name = str(body.get("first_name") or "").strip()
        if not first_name:
            raise ValueError("first_name is required")
        user_id = body.get("user_id")
        if user_id is None:
            user_id = max([700_000_000, *self.emulator.state.users]) + 1
        user = self.emulator.add_user(
            user_id=int(user_id),
            first_name=first_name,
            last_name=body.get("last_name") or None,
            username=body.get("username") or None,
            language_code=str(body.get("language_code") or "en"),
            has_started=bool(body.get("has_started", False)),
        )
        return _json(user.to_dict(), status=201)

    async def block_user(self, request: web.Request) -> web.Response:
        """Block (default) or unblock the bot as this person: body {"blocked": bool}."""
        user_id = self._user_id(request)
        blocked = bool((await _body(request)).get("blocked", True))
        if blocked:
            self.emulator.block_bot(user_id=user_id)
        else:
            self.emulator.unblock_bot(user_id=user_id)
        return _json(self.emulator.user(user_id=user_id).to_dict())

    async def chat_messages(self, request: web.Request) -> web.Response:
        """Long-poll a chat: returns when its version exceeds after_version or on timeout."""
        user_id = self._user_id(request)
        after_version = int(request.query.get("after_version", "-1"))
        timeout_s = min(float(request.query.get("timeout", "25")), MAX_LONG_POLL_S)
        state = self.emulator.state
        deadline = time.monotonic() + timeout_s
        while state.chat_versions.get(user_id, 0) <= after_version:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.emulator.dispatcher.stopping:
                break
            chat_feed = state.chat_feed(user_id)
            await chat_feed.wait_for_change(after_version=chat_feed.version, timeout_s=remaining)
        return _json(self._chat_snapshot(user_id))

    def _chat_snapshot(self, user_id: int) -> dict[str, Any]:
        state = self.emulator.state
        messages = [
            message.to_dict(
                document_url=f"{PREFIX}/chats/{user_id}/documents/{message.message_id}"
                if message.document is not None
                else None
            )
            for message in self.emulator.messages(chat_id=user_id)
        ]
        return {
            "version": state.chat_versions.get(user_id, 0),
            "user": self.emulator.user(user_id=user_id).to_dict(),
            "messages": messages,
            "callback_answers": [
                answer.to_dict() for answer in self.emulator.callback_answers(user_id=user_id)
            ],
        }

    async def send_text(self, request: web.Request) -> web.Response:
        """The person sends text: body {"text": "..."}."""
        user_id = self._user_id(request)
        text = str((await _body(request)).get("text") or "")
        if not text.strip():
            raise ValueError("text must not be empty")
        return _json(await self.emulator.send_text(user_id=user_id, text=text))

    async def edit_text(self, request: web.Request) -> web.Response:
        """The person edits a message: body {"message_id": N, "text": "..."}."""
        user_id = self._user_id(request)
        body = await _body(request)
        message = await self.emulator.edit_text(
            user_id=user_id,
            message_id=int(_required(body, "message_id")),
            text=str(_required(body, "text")),
        )
        return _json(message)

    async def press(self, request: web.Request) -> web.Response:
        """The person presses a button: body {"message_id": N, "callback_data": "..."}."""
        user_id = self._user_id(request)
        body = await _body(request)
        query = await self.emulator.press_button(
            user_id=user_id,
            message_id=int(_required(body, "message_id")),
            callback_data=str(_required(body, "callback_data")),
        )
        return _json(query)

    async def send_other(self, request: web.Request) -> web.Response:
        """The person sends a non-text message (sticker, photo, voice, ...)."""
        user_id = self._user_id(request)
        kind = request.match_info["kind"]
        body = await _body(request)
        emulator = self.emulator
        if kind == "sticker":
            message = await emulator.send_sticker(user_id=user_id)
        elif kind == "photo":
            message = await emulator.send_photo(user_id=user_id, caption=body.get("caption"))
        elif kind == "voice":
            message = await emulator.send_voice(user_id=user_id)
        elif kind == "video":
            message = await emulator.send_video(user_id=user_id)
        elif kind == "video_note":
            message = await emulator.send_video_note(user_id=user_id)
        elif kind == "contact":
            phone = str(body.get("phone_number") or "+48123456789")
            message = await emulator.send_contact(user_id=user_id, phone_number=phone)
        elif kind == "location":
            message = await emulator.send_location(
                user_id=user_id,
                latitude=float(body.get("latitude", 52.2297)),
                longitude=float(body.get("longitude", 21.0122)),
            )
        elif kind == "document":
            try:
                content = base64.b64decode(str(body.get("content_base64") or ""), validate=True)
            except binascii.Error:
                raise ValueError("content_base64 is not valid base64") from None
            message = await emulator.send_document(
                user_id=user_id,
                filename=str(body.get("filename") or "note.txt"),
                content=content or b"hello from the phone page\n",
                mime_type=str(body.get("mime_type") or "text/plain"),
            )
        else:
            raise LookupError(f"unknown message kind {kind!r}")
        return _json(message)

    async def crowd(self, request: web.Request) -> web.Response:
        """Many people act in the same instant: body {"actions": [{"user_id", "text"} or
        {"user_id", "message_id", "callback_data"}, ...]}. All are checked before any is queued;
        answers {"turn_ids": [...]} in the same order, for /turns."""
        actions = (await _body(request)).get("actions")
        if not isinstance(actions, list) or not actions:
            raise ValueError("actions must be a non-empty list")
        for index, action in enumerate(actions):
            self._check_crowd_action(index, action)
        if self.emulator.owns_its_process:
            # The emulator is the measuring instrument: what it holds now (every chat and message so far) is kept
            # out of its garbage collector's full passes, which would otherwise pause it for 50-100 ms mid-crowd
            # and count as the bot's time. Done before the crowd's clock starts; never inside a test's process.
            gc.collect()
            gc.freeze()
        people, clock = self.emulator.people, self.emulator.state.reply_clock
        turn_ids = []
        for action in actions:
            user_id = int(action["user_id"])
            if "text" in action:
                people.write(user_id=user_id, kind="text", text=str(action["text"]))
            else:
                people.press(
                    user_id=user_id, message_id=int(action["message_id"]), callback_data=str(action["callback_data"])
                )
            turn_ids.append(clock.latest_turn_id(chat_id=user_id))
        return _json({"turn_ids": turn_ids})

    def _check_crowd_action(self, index: int, action: Any) -> None:
        if not isinstance(action, dict) or "user_id" not in action:
            raise ValueError(f"actions[{index}] must be an object with user_id")
        user_id = self._user_id_value(action["user_id"])
        if "text" in action:
            if not str(action["text"]).strip():
                raise ValueError(f"actions[{index}]: text must not be empty")
            return
        message = self.emulator.state.find_message(user_id, int(_required(action, "message_id")))
        if message is None or not message.from_bot or action.get("callback_data") not in message.callback_data_values():
            raise LookupError(f"actions[{index}]: chat {user_id} has no such button")

    def _user_id_value(self, raw: Any) -> int:
        user_id = int(raw)
        self.emulator.user(user_id=user_id)
        return user_id

    async def turns(self, request: web.Request) -> web.Response:
        """Reply times of turns: body {"turn_ids": [...], "timeout": s, "until": "answered" or "shown"}; waits until
        all are answered (or, with "shown", until each has been shown a message or an edit) or the timeout, then
        answers {"turns": [{"turn_id", "chat_id", "kind", "reply_s", "fetch_s", "answered_by", "shown_s"}]}
        (an unknown or forgotten turn id is a 404)."""
        body = await _body(request)
        turn_ids = [int(turn_id) for turn_id in body.get("turn_ids") or []]
        timeout_s = min(float(body.get("timeout", 25)), MAX_LONG_POLL_S)
        until = body.get("until", "answered")
        if until not in ("answered", "shown"):
            raise ValueError('until must be "answered" or "shown"')
        field = "answered" if until == "answered" else "shown"
        state = self.emulator.state
        deadline = time.monotonic() + timeout_s
        while True:
            turns = state.reply_clock.turns(turn_ids)
            remaining = deadline - time.monotonic()
            if all(getattr(turn, field) is not None for turn in turns) or remaining <= 0:
                return _json({"turns": [turn.to_dict() for turn in turns]})
            await state.turn_feed.wait_for_change(after_version=state.turn_feed.version, timeout_s=remaining)

    async def download_document(self, request: web.Request) -> web.StreamResponse:
        """Download a document attached to a message in this chat."""
        user_id = self._user_id(request)
        message_id = int(request.match_info["message_id"])
        for message in self.emulator.messages(chat_id=user_id):
            if message.message_id == message_id and message.document is not None:
                document = message.document
                filename = document.filename.replace('"', "")
                return web.Response(
                    body=document.content,
                    content_type=document.mime_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'},
                )
        raise LookupError(f"message {message_id} in chat {user_id} has no document")


def add_control_routes(app: web.Application, *, emulator: EmulatedTelegram) -> None:
    """Register the /_emulator/ routes on `app`."""
    api = ControlApi(emulator=emulator)
    routes: list[tuple[str, str, ControlHandler]] = [
        ("GET", "/info", api.info),
        ("GET", "/stats", api.stats),
        ("POST", "/reset-stats", api.reset_stats),
        ("GET", "/faults", api.get_faults),
        ("POST", "/faults", api.set_faults),
        ("GET", "/users", api.list_users),
        ("POST", "/users", api.add_user),
        ("POST", "/users/{user_id:-?\\d+}/block", api.block_user),
        ("GET", "/chats/{user_id:-?\\d+}/messages", api.chat_messages),
        ("POST", "/chats/{user_id:-?\\d+}/send", api.send_text),
        ("POST", "/chats/{user_id:-?\\d+}/edit", api.edit_text),
        ("POST", "/chats/{user_id:-?\\d+}/press", api.press),
        ("GET", "/chats/{user_id:-?\\d+}/documents/{message_id:\\d+}", api.download_document),
        ("POST", "/chats/{user_id:-?\\d+}/{kind}", api.send_other),
        ("POST", "/crowd", api.crowd),
        ("POST", "/turns", api.turns),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, PREFIX + path, _guarded(handler))
