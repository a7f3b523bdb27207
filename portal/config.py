"""Typed settings, read from the environment only.

Secrets have no defaults. In demo mode a secret key is generated once into the
instance folder so `make run` works on a fresh machine; production refuses to
start on anything that looks like a demo default.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'portal.db'}"


class ConfigurationError(RuntimeError):
    """Settings that must not be used; the message says which and why."""


class ClaimRule(BaseModel):
    """One value of a provider's claim (e.g. a group) and the portal role and organisation it grants."""

    value: str = Field(min_length=1)
    role: Literal["practitioner", "lead_professional", "ig_officer", "admin"]
    agency: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    team: str = Field(min_length=1)


class OidcProvider(BaseModel):
    """One partner organisation's OpenID provider: its own client and the e-mail domains it may vouch for."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    # Empty means any domain (only sensible with a single provider); set it when several partners are configured.
    allowed_domains: list[str] = Field(default_factory=list)
    # The boolean claim that says the provider verified the e-mail (Entra ID: its optional claim "xms_edov").
    email_verified_claim: str = "email_verified"
    claim: str | None = None  # e.g. "groups" or "roles"; unset means roles are managed in the portal only
    claim_rules: list[ClaimRule] = Field(default_factory=list)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    PORTAL_ENV: Literal["demo", "test", "production"] = "demo"
    DATABASE_URL: str = DEFAULT_DATABASE_URL
    AUDIT_DATABASE_URL: str | None = None  # defaults to DATABASE_URL
    SECRET_KEY: str | None = None
    AUDIT_HMAC_KEY: str | None = None
    # Minutes; a fraction is allowed so a test's portal can time out in seconds.
    SESSION_IDLE_MINUTES: float = Field(default=15, gt=0, le=240)
    SESSION_MAX_HOURS: int = Field(default=10, ge=1, le=24)
    # How long before the idle timeout the "you will be signed out" warning appears (WCAG 2.2.1).
    SESSION_WARNING_SECONDS: int = Field(default=120, ge=5, le=3600)
    # Where server-side sessions live: Redis in production (shared by every worker), files in the
    # instance folder for the single-process demo and tests.
    SESSION_STORE: Literal["filesystem", "redis"] = "filesystem"
    REDIS_URL: str | None = None
    SESSION_KEY_PREFIX: str = Field(default="scv:session:", min_length=1, max_length=60)
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_NAME: str = "your organisation's sign-in"
    # Several partner organisations: a JSON list of OidcProvider objects (see the README).
    OIDC_PROVIDERS: list[OidcProvider] = Field(default_factory=list)
    SMTP_URL: str | None = None  # smtp://[user:password@]host[:port] (STARTTLS with SMTP_STARTTLS) or smtps://
    SMTP_STARTTLS: bool = False
    SMTP_CA_FILE: Path | None = None  # a private CA to trust for the mail server (else the system's CAs)
    SMTP_SENDER: str = "single-child-view@localhost"
    SMTP_TIMEOUT_S: float = Field(default=5.0, gt=0, le=60)
    IG_ALERT_EMAIL: str | None = None  # IG's shared mailbox, told at once of every break-glass
    NOTIFY_MAX_ATTEMPTS: int = Field(default=5, ge=1, le=50)
    PORTAL_BASE_URL: str | None = None  # for links in e-mails sent outside a request (retries, digests)
    CONNECTORS_FILE: Path = PROJECT_ROOT / "config" / "connectors.toml"
    AGREEMENTS_FILE: Path = PROJECT_ROOT / "config" / "agreements.toml"
    FEDERATION_DEADLINE_S: float = Field(default=3.0, gt=0, le=30)
    SANDBOX_DATA_DIR: Path = INSTANCE_DIR / "sandbox"
    INSTANCE_PATH: Path = INSTANCE_DIR
    # Capacity of one worker process (README "Running in production"). The fan-out pool runs every agency call:
    # FANOUT_THREADS at once, FANOUT_QUEUE more waiting; a view whose calls would not fit gets the 503 "busy" page.
    # Sized so a worker's request threads (gunicorn --threads, default 8) x 5 agencies fit without refusals.
    FANOUT_THREADS: int = Field(default=32, ge=1, le=512)
    FANOUT_QUEUE: int = Field(default=32, ge=0, le=4096)
    BUSY_RETRY_AFTER_S: int = Field(default=5, ge=1, le=300)  # the Retry-After of the busy page
    # The portal's own database pools (configuration and audit store), per worker process: request threads
    # each hold at most one connection of each; waiting longer than DB_POOL_TIMEOUT_S answers "busy".
    DB_POOL_SIZE: int = Field(default=10, ge=1, le=200)
    DB_POOL_OVERFLOW: int = Field(default=5, ge=0, le=200)
    DB_POOL_TIMEOUT_S: float = Field(default=5.0, gt=0, le=60)
    # /metrics is closed unless a bearer token or client addresses are configured (never public by default).
    METRICS_TOKEN: str | None = None
    METRICS_ALLOWED_ADDRESSES: str = ""  # comma-separated client addresses, e.g. "127.0.0.1"
    # Reverse proxies in front that set X-Forwarded-For/-Proto (1 behind one TLS proxy): the audit trail then
    # records the practitioner's address, not the proxy's. 0 trusts no such header.
    PROXY_HOPS: int = Field(default=0, ge=0, le=5)
    # Rate limits (sign-in throttle, probe limits) live here so every process sees the same counts:
    # memory:// is for one demo process only; production uses Redis, e.g. redis://127.0.0.1:6379/0.
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_KEY_PREFIX: str = Field(default="portal", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    PORTAL_WORKERS: int = Field(default=1, ge=1, le=256)  # worker processes per machine (gunicorn.conf.py reads it too)
    SEARCH_RATE_LIMIT: str = "60 per minute"  # searches per signed-in user, to bound probing for children
    # Every refused request (a forged or foreign child link, an invalid search) writes an audit entry; past this
    # many per user the portal answers 429 and writes nothing more.
    REFUSAL_RATE_LIMIT: str = "30 per minute"

    @field_validator("SEARCH_RATE_LIMIT", "REFUSAL_RATE_LIMIT")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        from limits import parse_many

        parse_many(value)  # ValueError names the bad text
        return value

    @model_validator(mode="after")
    def _one_provider_per_key(self) -> Settings:
        keys = [p.key for p in self.oidc_providers]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"OIDC provider keys must be unique (repeated: {', '.join(duplicates)})")
        return self
    # The transparency tool's public page and open data (published snapshots only): off unless switched on.
    TRANSPARENCY_PUBLIC: bool = False

    @model_validator(mode="after")
    def _refuse_demo_defaults_in_production(self) -> Settings:
        if self.PORTAL_ENV != "production":
            return self
        problems = []
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            problems.append("SECRET_KEY must be set to at least 32 characters")
        if self.DATABASE_URL == DEFAULT_DATABASE_URL:
            problems.append("DATABASE_URL must be set explicitly (the embedded SQLite default is for the demo)")
        if not self.AUDIT_HMAC_KEY:
            problems.append("AUDIT_HMAC_KEY must be set")
        if self.RATELIMIT_STORAGE_URI.startswith("memory://"):
            problems.append("RATELIMIT_STORAGE_URI must be a shared store such as redis://127.0.0.1:6379/0 "
                            "(memory:// holds sign-in throttling in one process only)")
        if self.SMTP_URL and self.SMTP_URL.startswith("smtp://") and not self.SMTP_STARTTLS:
            problems.append("SMTP_URL must use smtps:// or SMTP_STARTTLS=true (e-mail leaves the portal)")
        if self.SESSION_STORE != "redis" or not self.REDIS_URL:
            problems.append("SESSION_STORE=redis and REDIS_URL must be set (sessions are shared by every worker)")
        if problems:
            raise ConfigurationError("Refusing to start in production: " + "; ".join(problems))
        return self

    @model_validator(mode="after")
    def _refuse_process_local_limits(self) -> Settings:
        """Counts in one process's memory do not hold across processes: refuse them when several run."""
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and self.PORTAL_WORKERS > 1:
            raise ConfigurationError(
                f"Refusing to start: PORTAL_WORKERS is {self.PORTAL_WORKERS} but RATELIMIT_STORAGE_URI is "
                "memory://, which holds sign-in throttling in one process only; set it to a shared Redis, "
                "e.g. redis://127.0.0.1:6379/0")
        return self

    @model_validator(mode="after")
    def _redis_store_needs_a_url(self) -> Settings:
        if self.SESSION_STORE == "redis" and not self.REDIS_URL:
            raise ConfigurationError("SESSION_STORE=redis needs REDIS_URL")
        return self

    @property
    def audit_database_url(self) -> str:
        return self.AUDIT_DATABASE_URL or self.DATABASE_URL

    @property
    def oidc_providers(self) -> list[OidcProvider]:
        """Every configured provider; the single OIDC_ISSUER setting is the provider keyed `sso`."""
        providers = list(self.OIDC_PROVIDERS)
        if self.OIDC_ISSUER and self.OIDC_CLIENT_ID:
            providers.insert(0, OidcProvider(key="sso", name=self.OIDC_NAME, issuer=self.OIDC_ISSUER,
                                             client_id=self.OIDC_CLIENT_ID,
                                             client_secret=SecretStr(self.OIDC_CLIENT_SECRET or "")))
        return providers

    @property
    def is_demo(self) -> bool:
        return self.PORTAL_ENV == "demo"


def resolve_secret(settings: Settings, value: str | None, filename: str) -> str:
    """The configured secret, or (demo/test only) one generated once into the instance folder."""
    if value:
        return value
    if settings.PORTAL_ENV == "production":
        raise ConfigurationError(f"{filename} is required in production")
    settings.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
    path = settings.INSTANCE_PATH / filename
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
