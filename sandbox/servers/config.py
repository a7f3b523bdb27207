"""Names, ports and credentials of the sandbox agency systems, read from the environment.

Every value has a demo default so `make run` works out of the box; tests and
deployments override them through `SANDBOX_*` variables (documented in API.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

AGENCIES = ("health", "social_work", "education", "police", "scra")
HTTP_AGENCIES = ("health", "education", "police", "scra")

DEFAULT_PORTS = {"health": 8101, "social_work": 8102, "education": 8103, "police": 8104, "scra": 8105}
# The admin channel listens apart from the main port so it stays up while `refuse` closes the main listener.
# Social work has no main HTTP port, so its admin port is its listed port.
DEFAULT_ADMIN_PORTS = {"health": 8201, "social_work": 8102, "education": 8203, "police": 8204, "scra": 8205}

CHI_SYSTEM_URI = "https://fhir.nhs.uk/Id/chi-number"
CHI_SYSTEM_OID = "urn:oid:2.16.840.1.113883.2.1.3.2.4.16.53"

STORE_FILES = {
    "health": "health.db",
    "education": "education.db",
    "police": "police.db",
    "scra": "scra.db",
    "social_work": "socialwork.db",
}


def env_name(agency: str, setting: str) -> str:
    """`SANDBOX_<AGENCY>_<SETTING>`, e.g. env_name("social_work", "fault") -> SANDBOX_SOCIAL_WORK_FAULT."""
    return f"SANDBOX_{agency.upper()}_{setting.upper()}"


@dataclass(frozen=True)
class Credentials:
    """The secrets each system accepts (demo defaults; never real secrets)."""

    health_token: str
    education_api_key: str
    police_client_id: str
    police_client_secret: str
    police_token_ttl_s: int
    scra_api_key: str
    admin_key: str
    chi_system: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """Read credentials from `env` (default: the process environment)."""
        env = os.environ if env is None else env
        return cls(
            health_token=env.get("SANDBOX_HEALTH_TOKEN", "sandbox-health-token"),
            education_api_key=env.get("SANDBOX_EDUCATION_API_KEY", "sandbox-education-key"),
            police_client_id=env.get("SANDBOX_POLICE_CLIENT_ID", "portal"),
            police_client_secret=env.get("SANDBOX_POLICE_CLIENT_SECRET", "sandbox-police-secret"),
            police_token_ttl_s=int(env.get("SANDBOX_POLICE_TOKEN_TTL", "3600")),
            scra_api_key=env.get("SANDBOX_SCRA_API_KEY", "sandbox-scra-key"),
            admin_key=env.get("SANDBOX_ADMIN_KEY", "sandbox-admin-key"),
            chi_system=env.get("SANDBOX_CHI_SYSTEM", CHI_SYSTEM_URI),
        )


def port_for(agency: str, env: Mapping[str, str] | None = None) -> int:
    """The main port of an agency system (`SANDBOX_<AGENCY>_PORT`)."""
    env = os.environ if env is None else env
    return int(env.get(env_name(agency, "port"), DEFAULT_PORTS[agency]))


def admin_port_for(agency: str, env: Mapping[str, str] | None = None) -> int:
    """The admin port of an agency system (`SANDBOX_<AGENCY>_ADMIN_PORT`)."""
    env = os.environ if env is None else env
    return int(env.get(env_name(agency, "admin_port"), DEFAULT_ADMIN_PORTS[agency]))
