"""Settings: production refuses demo defaults; demo generates its secret once."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ConfigurationError, Settings, resolve_secret


def test_production_refuses_to_start_on_demo_defaults() -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings(PORTAL_ENV="production")
    message = str(error.value)
    assert "SECRET_KEY" in message and "DATABASE_URL" in message and "AUDIT_HMAC_KEY" in message
    assert "RATELIMIT_STORAGE_URI" in message  # counts in one process's memory do not hold across workers


def test_production_starts_with_real_settings() -> None:
    settings = Settings(
        PORTAL_ENV="production",
        SECRET_KEY="s" * 40,
        DATABASE_URL="postgresql+psycopg://portal@db/portal",
        AUDIT_HMAC_KEY="k" * 40,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        SESSION_STORE="redis",
        REDIS_URL="redis://sessions:6379/0",
    )
    assert settings.audit_database_url == "postgresql+psycopg://portal@db/portal"


def test_demo_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(PORTAL_ENV="demo", INSTANCE_PATH=tmp_path)
    first = resolve_secret(settings, None, "secret_key")
    assert len(first) == 64
    assert resolve_secret(settings, None, "secret_key") == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("FEDERATION_DEADLINE_S", "1.5")
    settings = Settings()
    assert settings.SESSION_IDLE_MINUTES == 5
    assert settings.FEDERATION_DEADLINE_S == 1.5


def test_out_of_range_values_fail_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ValueError):
        Settings()


def test_several_workers_refuse_process_local_rate_limits() -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings(PORTAL_ENV="demo", PORTAL_WORKERS=4)
    assert "RATELIMIT_STORAGE_URI is memory://" in str(error.value) and "redis://" in str(error.value)
    assert Settings(PORTAL_ENV="demo", PORTAL_WORKERS=4, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/3")


def test_a_bad_search_limit_fails_fast() -> None:
    with pytest.raises(ValueError, match="SEARCH_RATE_LIMIT"):
        Settings(SEARCH_RATE_LIMIT="lots")


def test_production_refuses_sessions_kept_in_one_workers_files() -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings(PORTAL_ENV="production", SECRET_KEY="s" * 40, DATABASE_URL="postgresql+psycopg://portal@db/portal",
                 AUDIT_HMAC_KEY="k" * 40, SESSION_STORE="filesystem")
    assert "SESSION_STORE=redis" in str(error.value)
