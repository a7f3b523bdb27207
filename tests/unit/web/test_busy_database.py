"""When every connection of the portal's database pool is in use, a page waits DB_POOL_TIMEOUT_S at most and
then says the portal is busy (503 + Retry-After) instead of queueing without limit or failing with a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import Settings
from portal.extensions import db
from tests.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, DB_POOL_SIZE=1, DB_POOL_OVERFLOW=0, DB_POOL_TIMEOUT_S=0.2, BUSY_RETRY_AFTER_S=9)


def test_a_page_gets_the_busy_answer_while_the_database_pool_is_exhausted(app, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("lead.professional")
    assert db.engine is not None
    held = db.engine.connect()  # the pool's only connection
    try:
        response = client.get("/children/search")
    finally:
        held.close()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "9"
    assert "The portal is busy" in html and "Try again in 9 seconds" in html
    assert "Traceback" not in html
    assert client.get("/children/search").status_code == 200  # the connection is back: the page works again
