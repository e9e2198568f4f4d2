"""Settings: defaults, normalisation, and one clear line naming the variable when wrong."""

from __future__ import annotations

import pytest

from core.settings import ConfigurationError, Settings, load_settings


def test_defaults_are_embedded_sqlite_and_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CARERLINE_DATABASE_URL", "CARERLINE_BOT_API_URL", "CARERLINE_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite+aiosqlite:///./var/carerline.db"
    assert settings.api_root == "https://api.telegram.org"
    assert settings.is_webhook_mode is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/carerline", "postgresql+asyncpg://u:p@db:5432/carerline"),
        ("postgres://u@db/carerline", "postgresql+asyncpg://u@db/carerline"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
    ],
)
def test_database_url_gets_the_async_driver(given: str, expected: str) -> None:
    assert load_settings(database_url=given).database_url == expected


@pytest.mark.parametrize(
    ("variable", "value", "expected_words"),
    [
        ("CARERLINE_DATABASE_URL", "not a url at all", "not a database URL"),
        ("CARERLINE_DATABASE_URL", "mysql://u@h/db", "unsupported database"),
        ("CARERLINE_DATABASE_URL", "postgresql://u@h", "needs a database name"),
        ("CARERLINE_HTTP_PORT", "70000", "less than or equal to 65535"),
        ("CARERLINE_BOT_API_URL", "not-a-url", "URL"),
        ("CARERLINE_WEBHOOK_SECRET", "has spaces!", "A-Z"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected_words: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert expected_words in message
    assert "\n" not in message


def test_service_needs_a_token_and_webhook_mode_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARERLINE_BOT_TOKEN", raising=False)
    monkeypatch.delenv("CARERLINE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="^CARERLINE_BOT_TOKEN"):
        load_settings().check_for_service()
    settings = load_settings(bot_token="1:abc", public_url="https://carerline.example.org")
    with pytest.raises(ConfigurationError, match="^CARERLINE_WEBHOOK_SECRET"):
        settings.check_for_service()
    assert settings.webhook_url == "https://carerline.example.org/telegram/webhook"
