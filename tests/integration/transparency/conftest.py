"""The transparency tool fed by real flows: the child view's sandbox agencies and fixtures."""

from tests.integration.children.conftest import child_app, faults, sandbox  # noqa: F401  (the real sandbox agencies)
