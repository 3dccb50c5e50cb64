"""Settings: defaults from the operator contract, and one clear line for anything missing or malformed."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Mode, Settings, SettingsError, load_settings

ALL_VARIABLES = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "BOT_SCHEDULER",
    "STUCK_MINUTES",
    "LOG_LEVEL",
    "TOKEN_ENCRYPTION_KEY",
    "STAGECOACH_SEND_RATE",
    "STAGECOACH_SEND_WORKERS",
    "STAGECOACH_DELIVERY_LEASE_SECONDS",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_match_the_operator_contract() -> None:
    settings = load_settings(env_file=None)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.port == 3000
    assert settings.bot_scheduler is True
    assert settings.stuck_minutes == 30
    assert settings.log_level == "INFO"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("STUCK_MINUTES", "0"),
        ("STUCK_MINUTES", "soon"),
        ("BOT_SCHEDULER", "maybe"),
        ("LOG_LEVEL", "LOUD"),
        ("SLACK_API_URL", "slack.com/api"),
        ("DATABASE_URL", "not a url"),
        ("TOKEN_ENCRYPTION_KEY", "short"),
        ("STAGECOACH_SEND_RATE", "fast"),
        ("STAGECOACH_SEND_WORKERS", "0"),
    ],
)
def test_malformed_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings(env_file=None)
    message = str(error.value)
    assert message.startswith(f"{variable} is malformed")
    assert "\n" not in message


def test_env_example_lists_every_setting() -> None:
    from pathlib import Path

    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    listed = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    assert listed == {name.upper() for name in Settings.model_fields}


def test_scheduler_off_and_api_url_gets_a_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_SCHEDULER", "off")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    settings = load_settings(env_file=None)
    assert settings.bot_scheduler is False
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "mode", "expected"),
    [
        ({}, Mode.SERVE, "SLACK_BOT_TOKEN is missing"),
        ({"slack_bot_token": "xoxb-1"}, Mode.SERVE, "SLACK_SIGNING_SECRET is missing"),
        ({"slack_bot_token": "xoxp-1", "slack_signing_secret": "s"}, Mode.SERVE, "should start with xoxb-"),
        ({"slack_app_token": "xapp-1"}, Mode.SERVE, "SLACK_BOT_TOKEN is missing"),
        ({"slack_app_token": "xoxb-1", "slack_bot_token": "xoxb-1"}, Mode.SERVE, "should start with xapp-"),
        ({"slack_client_id": "1.2", "slack_signing_secret": "s"}, Mode.SERVE, "SLACK_CLIENT_SECRET is missing"),
        ({}, Mode.TICK, "SLACK_BOT_TOKEN is missing"),
    ],
)
def test_required_settings_per_mode(values: dict[str, str], mode: Mode, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        _settings(**values).require(mode)


@pytest.mark.parametrize(
    ("values", "mode"),
    [
        ({}, Mode.MIGRATE),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"}, Mode.SERVE),
        ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}, Mode.SERVE),
        ({"slack_client_id": "1.2", "slack_client_secret": "c", "slack_signing_secret": "s"}, Mode.SERVE),
        ({"slack_bot_token": "xoxb-1"}, Mode.TICK),
    ],
)
def test_complete_settings_pass(values: dict[str, str], mode: Mode) -> None:
    _settings(**values).require(mode)


def test_secrets_never_show_in_repr() -> None:
    settings = _settings(slack_bot_token="xoxb-very-secret", slack_signing_secret="shh")
    assert "xoxb-very-secret" not in repr(settings)
    assert "shh" not in repr(settings)
