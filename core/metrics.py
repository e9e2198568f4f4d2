"""Prometheus metrics, one registry per running service so tests can run several."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass
class Metrics:
    """The service's counters and gauges."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.updates_received = Counter(
            "carerline_updates_received_total", "Telegram updates accepted", ["source"], registry=self.registry
        )
        self.updates_duplicate = Counter(
            "carerline_updates_duplicate_total", "Telegram updates ignored as redeliveries", registry=self.registry
        )
        self.webhook_rejected = Counter(
            "carerline_webhook_rejected_total", "Webhook calls refused", ["reason"], registry=self.registry
        )
        self.messages_sent = Counter(
            "carerline_messages_sent_total", "Messages the bot sent", ["kind"], registry=self.registry
        )
        self.handler_errors = Counter(
            "carerline_handler_errors_total", "Errors raised while handling updates", registry=self.registry
        )
        self.scheduler_heartbeat = Gauge(
            "carerline_scheduler_heartbeat_timestamp_seconds",
            "When the scheduler last ran its heartbeat job",
            registry=self.registry,
        )
        self.notify_requests = Counter(
            "carerline_notify_requests_total", "GOV.UK Notify send requests by channel and outcome",
            ["channel", "outcome"], registry=self.registry,
        )
        self.notify_channel_held_until = Gauge(
            "carerline_notify_channel_held_until_seconds",
            "Epoch second until which a Notify channel is held (0 when open)", ["channel", "reason"],
            registry=self.registry,
        )
        self.is_draining = Gauge(
            "carerline_draining", "1 while the service is shutting down", registry=self.registry
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
