"""Ways to take write access to the audit store away from a running portal, and give it back."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from portal.audit.models import ENTRIES_TABLE, WRITER_ROLE
from tests.support.postgres import ADMIN_URL


class PostgresAuditGrant:
    """The DBA's lever: INSERT on the audit table for the writer role the portal's login belongs to."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def _run(self, statement: str) -> None:
        engine = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def revoke(self) -> None:
        self._run(f"REVOKE INSERT ON {ENTRIES_TABLE} FROM {WRITER_ROLE}")

    def restore(self) -> None:
        self._run(f"GRANT INSERT ON {ENTRIES_TABLE} TO {WRITER_ROLE}")


@contextmanager
def audit_login_role(database_url: str) -> Iterator[str]:
    """A login role that may use the audit store only through `portal_audit_writer`; yields its URL.

    Privileges it gains live inside the (throwaway) database; the role itself is dropped afterwards.
    """
    role = f"audit_portal_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            connection.exec_driver_sql(f"GRANT {WRITER_ROLE} TO {role}")
        server, database = database_url.rsplit("/", 1)
        yield server.replace("://postgres@", f"://{role}@") + f"/{database}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


class SqliteFileLock:
    """Make the audit database file unwritable, as a permissions change or a read-only volume would.

    chmod alone does not stop root, so as root the file is also marked immutable (chattr +i).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._immutable = False

    def revoke(self) -> None:
        self.path.chmod(0o444)
        if os.geteuid() == 0:
            if shutil.which("chattr") is None:
                pytest.skip("running as root without chattr: cannot make a file unwritable")
            subprocess.run(["chattr", "+i", str(self.path)], check=True, timeout=10)
            self._immutable = True

    def restore(self) -> None:
        if self._immutable:
            subprocess.run(["chattr", "-i", str(self.path)], check=True, timeout=10)
            self._immutable = False
        self.path.chmod(0o644)
