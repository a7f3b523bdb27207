"""The sandbox REST lists sort, bound and count as the portal's windows need, and refuse what they cannot do."""

from __future__ import annotations

import requests

from tests.support.sandbox import RunningSandbox


def _get(sandbox: RunningSandbox, path: str, **params: str) -> requests.Response:
    headers = {"X-API-Key": sandbox.env["SANDBOX_EDUCATION_API_KEY"]}
    return requests.get(f"{sandbox.env['SANDBOX_EDUCATION_URL']}/{path}", params=params, headers=headers, timeout=10)


def _pupil(sandbox: RunningSandbox) -> str:
    found = _get(sandbox, "pupils", chi=sandbox.child("large")["chi"]).json()["pupils"]
    return str(found[0]["pupil_id"])


def test_newest_notes_come_first_with_the_total_and_bounds_apply(sandbox: RunningSandbox) -> None:
    path = f"pupils/{_pupil(sandbox)}/notes"
    every = _get(sandbox, path, page_size="200").json()
    newest = _get(sandbox, path, sort="date", order="desc", page_size="5").json()
    dates = [item["date"] for item in newest["items"]]
    assert len(dates) == 5 and dates == sorted(dates, reverse=True)
    assert newest["total"] == every["total"] > 5
    until = dates[-1]
    bounded = _get(sandbox, path, order="desc", until=until, significant="false", page_size="200").json()
    assert bounded["items"] and all(i["date"] <= until and i["significant"] is False for i in bounded["items"])
    assert bounded["items"][0]["date"] == until


def test_an_unusable_list_option_is_a_clear_400(sandbox: RunningSandbox) -> None:
    path = f"pupils/{_pupil(sandbox)}/notes"
    for params in ({"order": "sideways"}, {"sort": "title"}, {"until": "last tuesday"}, {"significant": "maybe"}):
        answer = _get(sandbox, path, **params)
        assert answer.status_code == 400
        assert answer.json()["error"] == "bad_request" and next(iter(params)) in answer.json()["detail"]
