"""Sign-in (local accounts and OIDC), sessions with idle and absolute timeouts, role checks."""
