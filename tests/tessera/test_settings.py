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
