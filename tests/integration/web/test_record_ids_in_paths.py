"""Record ids in paths (/ig/audit/<id>, /admin/accounts/<id>/disable, …): a number no row can have is "not found".

Werkzeug's `int` converter takes any run of Unicode digits of any length, and SQLite refuses a number past
64 bits with OverflowError, so these addresses answered 500 before the portal bounded its ids.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import extract_csrf

LARGEST_ID = 2**63 - 1  # SQLite INTEGER and PostgreSQL BIGINT both stop here

# (role, method, path with {id}) for every kind of route that reads an id from its path.
ID_ROUTES = [
    ("ig.officer", "GET", "/ig/audit/{id}"),
    ("ig.officer", "GET", "/ig/break-glass/{id}"),
    ("ig.officer", "POST", "/ig/break-glass/{id}/review"),
    ("ig.officer", "POST", "/ig/sessions/{id}/end"),
    ("admin", "POST", "/admin/accounts/{id}/disable"),
    ("admin", "POST", "/admin/accounts/{id}/enable"),
    ("admin", "POST", "/admin/relationships/{id}/end"),
    ("lead.professional", "POST", "/notifications/{id}/read"),
]


def _send(client: FlaskClient, method: str, path: str) -> int:
    if method == "GET":
        return client.get(path).status_code
    csrf = extract_csrf(client.get("/").get_data(as_text=True))
    return client.post(path, data={"csrf_token": csrf}).status_code


BAD_IDS = (str(LARGEST_ID + 1), "9" * 23, "9" * 4400, "٣", "²")


@pytest.mark.parametrize(("role", "method", "path"), ID_ROUTES)
def test_an_id_no_row_can_have_is_not_found(client: FlaskClient, sign_in, role: str, method: str, path: str  # type: ignore[no-untyped-def]
                                            ) -> None:
    sign_in(role)
    answers = {record_id[:25]: _send(client, method, path.format(id=record_id)) for record_id in BAD_IDS}
    assert answers == {record_id[:25]: 404 for record_id in BAD_IDS}


def test_an_id_in_range_still_opens_its_record(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("ig.officer")  # signing in writes entry 1 of the trail
    assert client.get("/ig/audit/1").status_code == 200
    assert client.get(f"/ig/audit/{LARGEST_ID}").status_code == 404


# Numbers past 64 bits, and digits other than ASCII 0-9 (which Python's int() reads as numbers).
NOT_IDS = st.one_of(st.integers(min_value=LARGEST_ID + 1).map(str),
                    st.text(alphabet=st.characters(categories=("Nd", "No")), min_size=1, max_size=30)
                    .filter(lambda text: not text.isascii()))


def test_no_id_a_row_cannot_have_answers_anything_but_not_found(client: FlaskClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("ig.officer")

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record_id=NOT_IDS)
    def probe(record_id: str) -> None:
        assert client.get(f"/ig/audit/{record_id}").status_code == 404

    probe()
