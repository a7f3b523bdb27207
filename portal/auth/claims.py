"""Claim mapping: a provider's group or role claim decides a claims-managed account's role and organisation."""

from __future__ import annotations

from typing import Any

from portal.config import OidcProvider


def claim_values(value: Any) -> list[str]:
    """A claim as a list of strings (providers send one string, a list, or a space-separated string)."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def claimed_access(provider: OidcProvider, value: Any) -> tuple[str, tuple[str, str, str]] | None:
    """The role and (agency, organisation, team) the first matching rule grants; None when no rule matches.

    Rules are tried in the order configured, so put the most privileged group first.
    """
    held = set(claim_values(value))
    for rule in provider.claim_rules:
        if rule.value in held:
            return rule.role, (rule.agency, rule.organisation, rule.team)
    return None
