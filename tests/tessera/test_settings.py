"""Given environment variables, when settings are read, then they are checked once, up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.settings import Settings


def test_given_a_short_jwt_secret_when_reading_settings_then_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESSERA_JWT_SECRET", "too-short")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Settings.from_env()


def test_given_the_environment_when_reading_settings_then_values_and_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TESSERA_JWT_SECRET", "x" * 32)
    monkeypatch.setenv("TESSERA_DEBUG", "true")
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TESSERA_MAX_PAGE_SIZE", "50")
    monkeypatch.delenv("TESSERA_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    assert settings.jwt_secret == "x" * 32
    assert settings.debug is True
    assert settings.data_dir == tmp_path
    assert settings.max_page_size == 50
    assert settings.database_url is None
    assert settings.max_query_depth == 10
    assert settings.badge_resync_inline_s == 1.0


def test_given_no_channel_settings_then_both_channels_stay_in_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TESSERA_SMTP_URL", "TESSERA_TWILIO_ACCOUNT_SID", "TESSERA_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.smtp_config() is None
    assert settings.twilio_config(status_callback_url=None) is None


def test_given_smtp_and_twilio_settings_then_their_configurations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESSERA_SMTP_URL", "smtps://u:p@mail.example.com")
    monkeypatch.setenv("TESSERA_EMAIL_FROM", "loyalty@shop.example")
    monkeypatch.setenv("TESSERA_TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("TESSERA_TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TESSERA_TWILIO_MESSAGING_SERVICE_SID", "MG1")
    monkeypatch.setenv("TESSERA_TWILIO_API_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("TESSERA_PUBLIC_URL", "https://loyalty.example.com")
    settings = Settings.from_env()
    smtp = settings.smtp_config()
    assert smtp is not None and (smtp.host, smtp.port, smtp.use_tls) == (
        "mail.example.com",
        465,
        True,
    )
    twilio = settings.twilio_config(status_callback_url="https://x/status")
    assert twilio is not None
    assert (twilio.messaging_service_sid, twilio.from_number) == ("MG1", None)
    assert twilio.api_url == "http://127.0.0.1:9/"
    assert settings.public_url == "https://loyalty.example.com"


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"TESSERA_SMTP_URL": "smtp://mail.example.com"}, "TESSERA_EMAIL_FROM"),
        ({"TESSERA_SMTP_URL": "http://x", "TESSERA_EMAIL_FROM": "a@b"}, "smtp://"),
        ({"TESSERA_TWILIO_ACCOUNT_SID": "AC1"}, "TESSERA_TWILIO_AUTH_TOKEN"),
        (
            {"TESSERA_TWILIO_ACCOUNT_SID": "AC1", "TESSERA_TWILIO_AUTH_TOKEN": "t"},
            "TESSERA_TWILIO_FROM",
        ),
    ],
)
def test_given_incomplete_channel_settings_then_refused_at_start_up_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], reason: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=reason):
        Settings.from_env()


def test_given_the_shop_settings_then_messages_name_the_shop_in_its_currency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TESSERA_SHOP_NAME", raising=False)
    monkeypatch.delenv("TESSERA_CURRENCY", raising=False)
    assert (Settings.from_env().shop_name, Settings.from_env().currency) == (None, "EUR")
    monkeypatch.setenv("TESSERA_SHOP_NAME", "Bottega Verde")
    monkeypatch.setenv("TESSERA_CURRENCY", "CHF")
    assert (Settings.from_env().shop_name, Settings.from_env().currency) == (
        "Bottega Verde",
        "CHF",
    )
    monkeypatch.setenv("TESSERA_CURRENCY", "euro")
    with pytest.raises(ValueError, match="ISO 4217"):
        Settings.from_env()


def test_given_funnel_helpers_then_their_number_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TESSERA_FUNNEL_HELPERS", raising=False)
    assert Settings.from_env().funnel_helpers == 1
    monkeypatch.setenv("TESSERA_FUNNEL_HELPERS", "3")
    assert Settings.from_env().funnel_helpers == 3
    for wrong in ("-1", "65"):
        monkeypatch.setenv("TESSERA_FUNNEL_HELPERS", wrong)
        with pytest.raises(ValueError, match="TESSERA_FUNNEL_HELPERS must be 0 to 64"):
            Settings.from_env()


def test_given_session_settings_then_their_lifetimes_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TESSERA_SESSION_IDLE_TIMEOUT_S", raising=False)
    monkeypatch.delenv("TESSERA_SESSION_MAX_AGE_S", raising=False)
    defaults = Settings.from_env()
    assert (defaults.session_idle_timeout_s, defaults.session_max_age_s) == (1800, 43200)
    monkeypatch.setenv("TESSERA_SESSION_IDLE_TIMEOUT_S", "600")
    monkeypatch.setenv("TESSERA_SESSION_MAX_AGE_S", "28800")
    chosen = Settings.from_env()
    assert (chosen.session_idle_timeout_s, chosen.session_max_age_s) == (600, 28800)


@pytest.mark.parametrize(
    ("idle", "max_age", "reason"),
    [
        ("59", "43200", "TESSERA_SESSION_IDLE_TIMEOUT_S must be 60 s or more"),
        ("3600", "1800", "at most TESSERA_SESSION_MAX_AGE_S"),
        ("1800", "2592001", "TESSERA_SESSION_MAX_AGE_S must be at most 2592000"),
    ],
)
def test_given_session_lifetimes_out_of_bounds_then_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, idle: str, max_age: str, reason: str
) -> None:
    monkeypatch.setenv("TESSERA_SESSION_IDLE_TIMEOUT_S", idle)
    monkeypatch.setenv("TESSERA_SESSION_MAX_AGE_S", max_age)
    with pytest.raises(ValueError, match=reason):
        Settings.from_env()


def test_given_a_session_setting_that_is_no_number_then_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESSERA_SESSION_IDLE_TIMEOUT_S", "half an hour")
    with pytest.raises(ValueError):
        Settings.from_env()


def test_given_webhook_settings_then_the_sender_uses_them(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings.from_env()
    assert defaults.webhook_targets().allowed_networks == ()
    assert defaults.webhook_limits().disable_after_failures == 50
    assert defaults.webhook_limits().retry.window_s == 3 * 86_400
    monkeypatch.setenv("TESSERA_WEBHOOKS_ALLOW_NETWORKS", "127.0.0.0/8, ::1/128")
    monkeypatch.setenv("TESSERA_WEBHOOKS_RETRY_SCHEDULE_S", "1,2,3")
    monkeypatch.setenv("TESSERA_WEBHOOKS_RETRY_WINDOW_S", "60")
    monkeypatch.setenv("TESSERA_WEBHOOKS_DISABLE_AFTER_FAILURES", "7")
    monkeypatch.setenv("TESSERA_WEBHOOKS_TIMEOUT_S", "3")
    settings = Settings.from_env()
    assert [str(n) for n in settings.webhook_targets().allowed_networks] == [
        "127.0.0.0/8",
        "::1/128",
    ]
    limits = settings.webhook_limits()
    assert (tuple(limits.retry.schedule_s), limits.retry.window_s) == ((1, 2, 3), 60)
    assert (limits.disable_after_failures, settings.webhooks_timeout_s) == (7, 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TESSERA_WEBHOOKS_ALLOW_NETWORKS", "10.0.0.0/33"),
        ("TESSERA_WEBHOOKS_RETRY_SCHEDULE_S", "5,-1"),
        ("TESSERA_WEBHOOKS_DISABLE_AFTER_FAILURES", "0"),
        ("TESSERA_WEBHOOKS_TIMEOUT_S", "120"),
    ],
)
def test_given_bad_webhook_settings_then_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings.from_env()
