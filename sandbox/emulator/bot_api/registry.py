"""The shape of a Bot API method handler and the context it receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.emulator.faults import FaultConfig, RateLimiter
from sandbox.emulator.bot_api.params import ApiParams
from sandbox.emulator.state import EmulatorState

if TYPE_CHECKING:
    from sandbox.emulator.bot_api.dispatcher import UpdateDispatcher


@dataclass
class EmulatorSettings:
    """Behaviour switches that are not faults."""

    strict_html_ampersands: bool = True
    callback_query_ttl_s: float = 15.0
    max_text_length: int = 4096
    max_caption_length: int = 1024


@dataclass
class MethodContext:
    """Everything a method handler may touch for one request."""

    state: EmulatorState
    params: ApiParams
    settings: EmulatorSettings
    fault_config: FaultConfig
    rate_limiter: RateLimiter
    dispatcher: UpdateDispatcher

    def admit_send(self, *, chat_id: int) -> None:
        """Apply the global and per-chat rate caps to one outgoing message (may raise 429)."""
        self.rate_limiter.admit(
            config=self.fault_config,
            chat_id=chat_id,
            paid_broadcast=self.params.bool_value("allow_paid_broadcast"),
        )


Handler = Callable[[MethodContext], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its canonical name, handler and whether it is a rate-capped send."""

    name: str
    handler: Handler
    is_send: bool = False


def method_table(*specs: MethodSpec) -> dict[str, MethodSpec]:
    """Index specs by lower-cased name (Telegram method names are case-insensitive)."""
    return {spec.name.lower(): spec for spec in specs}
