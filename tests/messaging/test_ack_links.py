"""The signed "I have seen this" link: short enough for a text, one row, one purpose, an expiry, no forgery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConfigurationError
from core.settings import Settings
from messaging.ack_links import AckLinkError, ack_url, read_ack_token

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
SECRET = "ack-link-secret-for-unit-tests-0123456789"


def settings(secret: str | None = SECRET, **values: object) -> Settings:
    return Settings(_env_file=None, ack_link_secret=secret, **values)  # type: ignore[call-arg, arg-type]


def token_of(url: str) -> str:
    return url.rsplit("/seen/", 1)[1]


def test_a_link_names_its_row_until_it_expires() -> None:
    expires = NOW + timedelta(days=3, minutes=10)
    token = token_of(ack_url(outbox_id=987_654, expires_at=expires, now=NOW, settings=settings()))
    assert read_ack_token(token, now=NOW, settings=settings()) == 987_654
    assert read_ack_token(token, now=expires - timedelta(seconds=1), settings=settings()) == 987_654
    with pytest.raises(AckLinkError) as expired:
        read_ack_token(token, now=expires + timedelta(hours=1), settings=settings())
    assert expired.value.reason == "expired" and expired.value.outbox_id == 987_654


def test_without_an_expiry_a_link_works_for_14_days() -> None:
    token = token_of(ack_url(outbox_id=5, expires_at=None, now=NOW, settings=settings()))
    assert read_ack_token(token, now=NOW + timedelta(days=14) - timedelta(minutes=1), settings=settings()) == 5
    with pytest.raises(AckLinkError, match="expired"):
        read_ack_token(token, now=NOW + timedelta(days=14, hours=1), settings=settings())


def test_the_link_is_short_enough_for_a_text() -> None:
    url = ack_url(outbox_id=99_999_999, expires_at=NOW + timedelta(days=400), now=NOW,
                  settings=settings(public_url="https://carerline.kent.gov.uk"))
    assert url.startswith("https://carerline.kent.gov.uk/seen/")
    assert len(token_of(url)) <= 30 and len(url) <= 70
    assert token_of(url).replace(".", "").replace("-", "").replace("_", "").isalnum()  # URL-safe as it is


def test_every_changed_character_and_a_foreign_secret_are_tampering() -> None:
    token = token_of(ack_url(outbox_id=1234, expires_at=NOW + timedelta(days=2), now=NOW, settings=settings()))
    changed = [token[:i] + ("x" if token[i] != "x" else "y") + token[i + 1:] for i in range(len(token))]
    for bad in [*changed, token[:-1], token + "A", "", "1.2", "1.2.3.4", "é" * 20, "a" * 200]:
        with pytest.raises(AckLinkError) as caught:
            read_ack_token(bad, now=NOW, settings=settings())
        assert caught.value.reason == "tampered" and caught.value.outbox_id is None, bad
    with pytest.raises(AckLinkError, match="tampered"):
        read_ack_token(token, now=NOW, settings=settings(secret="another-secret-entirely-0123456789abc"))


def test_the_secret_is_required_and_long() -> None:
    with pytest.raises(ConfigurationError, match="CARERLINE_ACK_LINK_SECRET"):
        ack_url(outbox_id=1, expires_at=None, now=NOW, settings=settings(secret=None))
    with pytest.raises(ValueError):
        settings(secret="short")
    with pytest.raises(ConfigurationError, match="CARERLINE_ACK_LINK_SECRET"):
        settings(secret=None, bot_token="1:abc", notify_api_key=f"key-{'0' * 8}-{'0' * 4}-{'0' * 4}-{'0' * 4}-{'0' * 12}"
                 f"-{'1' * 8}-{'1' * 4}-{'1' * 4}-{'1' * 4}-{'1' * 12}").check_for_service()
