"""What the first view asks the agencies for: each list once, from its start, and more only to continue it.

The summary's event facts (police concerns in the last year, the Reporter's latest referral or hearing)
and the lists' restricted notices come from the page's own first windows, so an ordinary child's view
sends each list one request, and a long history asks a list again only from where its window stopped.
Counted by the sandbox agencies themselves (their request logs), over real HTTP.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs

import pytest
import requests

from tests.integration.children.conftest import open_child
from tests.support.sandbox import RunningSandbox

REST_AGENCIES = ("education", "police", "scra")
# A web agency's requests per view: its person search, then one per list (a summary list read whole, or a
# chronology list's window, which also brings the list's restricted notice and the summary facts it gives).
# The significant-only view (the default) asks police twice: its window asks only for significant concerns,
# and the summary counts every concern of the last year. Before, the notices and the facts were asked on
# their own: an ordinary child's view asked the Reporter 8 requests and police 4 (now 4 and 1 or 2).


def _logged(sandbox: RunningSandbox, agency: str) -> list[dict]:
    url, headers = f"{sandbox.admin_urls[agency]}/_sandbox/requests", {"X-Sandbox-Admin": sandbox.admin_key}
    answer = requests.get(url, headers=headers, timeout=10)
    answer.raise_for_status()
    requests.delete(url, headers=headers, timeout=10).raise_for_status()
    return [entry for entry in answer.json()["requests"] if not entry.get("in_batch")]  # a batch is one request


def _view(client, sandbox: RunningSandbox, chi: str, query: dict[str, str]) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    """Every agency's requests for one content view (the search and the first opening are not counted)."""
    url, _ = open_child(client, chi)
    for agency in sandbox.admin_urls:
        _logged(sandbox, agency)
    assert client.get(url, query_string=query).status_code == 200
    return {agency: _logged(sandbox, agency) for agency in sandbox.admin_urls}


def _list_reads(entries: list[dict], person_id: str) -> list[tuple[str, dict[str, list[str]]]]:
    """(path, query) of each read of one of the person's lists."""
    return [(e["path"], parse_qs(e["query"])) for e in entries if f"/{person_id}/" in e["path"]]


def _ordinary(sandbox: RunningSandbox) -> dict:
    return next(c for c in sandbox.cohort if "large" not in c["tags"] and c.get("chi")
                and all(agency in c.get("ids", {}) for agency in ("health", *REST_AGENCIES)))


@pytest.mark.parametrize("query", [{"show": "all"}, {}], ids=["everything", "significant"])
def test_an_ordinary_child_s_view_asks_each_list_once(child_app, client, sign_in, sandbox,  # type: ignore[no-untyped-def]
                                                      query: dict[str, str]) -> None:
    sign_in("lead.professional")
    child = _ordinary(sandbox)
    seen = _view(client, sandbox, child["chi"], query)
    for agency in REST_AGENCIES:
        reads = _list_reads(seen[agency], child["ids"][agency])
        assert reads, f"{agency}: the view read none of the child's lists"
        alone = [path for path, asked in reads if asked.get("page_size") == ["1"]]
        assert alone == [], f"{agency}: restricted notices asked on their own: {alone}"
        # Once per list, or (significant-only police) once for the page and once for the facts' count.
        asked = Counter((path, "significant" in asked) for path, asked in reads)
        assert max(asked.values()) == 1, f"{agency}: a list was asked more than once: {dict(asked)}"
        if query:
            assert max(Counter(path for path, _ in reads).values()) == 1, f"{agency}: a list was asked twice"
        lists = {path for path, _ in reads}
        twice = 1 if agency == "police" and not query else 0
        assert len(seen[agency]) == 1 + len(lists) + twice, f"{agency}: {[e['path'] for e in seen[agency]]}"
    assert sum(len(seen[agency]) for agency in ("police", "scra")) <= (7 if query else 8)  # before: 12


def test_a_long_history_asks_each_list_from_its_start_once(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    """The facts take each list's start from the page's window: nothing asks a list from its start again, and
    anything asked after that window continues the list from where it stopped."""
    child_app.config["FEDERATION_DEADLINE_S"] = 30.0
    sign_in("lead.professional")
    child = sandbox.child("large")
    seen = _view(client, sandbox, child["chi"], {"show": "all"})
    read_lists = 0
    for agency in REST_AGENCIES:
        if agency not in child.get("ids", {}):
            continue
        reads = _list_reads(seen[agency], child["ids"][agency])
        read_lists += len(reads)
        starts = Counter(path for path, asked in reads if asked.get("offset", ["0"]) == ["0"])
        assert max(starts.values(), default=1) == 1, f"{agency}: a list was asked from its start twice: {starts}"
        assert set(starts) == {path for path, _ in reads}, f"{agency}: a list was continued but never started"
    assert read_lists, "the long history's lists were not read"
