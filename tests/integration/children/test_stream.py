"""The record streamed to the page shell: each agency's status as it answers, then the audited record."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child

FIVE = {"health", "social_work", "education", "police", "scra"}


def _events(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs from a text/event-stream body."""
    parsed = []
    for block in body.split("\n\n"):
        lines = block.splitlines()
        event = next((line[7:] for line in lines if line.startswith("event: ")), None)
        if event is not None:
            parsed.append((event, "\n".join(line[6:] for line in lines if line.startswith("data: "))))
    return parsed


def _stream(client, sandbox, tags: str = "multi_agency"):  # type: ignore[no-untyped-def]
    child = sandbox.child(tags)
    url, _ = open_child(client, child["chi"])
    shell_url = url.removesuffix("/content")
    shell = BeautifulSoup(client.get(shell_url).get_data(as_text=True), "html.parser")
    stream_url = shell.select_one("#child-record")["sse-connect"]
    response = client.get(stream_url)
    return child, response, _events(response.get_data(as_text=True))


def test_statuses_arrive_per_agency_then_the_record(child_app, client, sign_in, sandbox) -> None:  # type: ignore[no-untyped-def]
    from portal.audit.queries import search_entries
    from portal.extensions import audit_db

    sign_in("lead.professional")
    child, response, events = _stream(client, sandbox)
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    names = [name for name, _ in events]
    assert {n.removeprefix("status-") for n in names if n.startswith("status-")} == FIVE
    assert names[-2:] == ["record", "done"]
    for name, data in events:
        if name.startswith("status-"):
            assert child["surname"] not in data  # statuses say who answered, never what
            assert 'data-state="answered"' in data
    record = BeautifulSoup(dict(events)["record"], "html.parser")
    name = record.select_one("[data-testid=child-name]").get_text(strip=True)
    assert name == f"{child['forename']} {child['surname']}"
    with child_app.app_context():
        views = search_entries(audit_db.engine, child=child["chi"], event_type="view_child")
    assert len(views) == 2  # one for the /content view open_child made, one for the stream


def test_a_hung_agency_streams_last_as_timed_out(child_app, client, sign_in, sandbox, faults) -> None:  # type: ignore[no-untyped-def]
    child_app.config["FEDERATION_DEADLINE_S"] = 1.5
    sign_in("lead.professional")
    faults("police", "hang")
    _, _, events = _stream(client, sandbox)
    statuses = [(name, data) for name, data in events if name.startswith("status-")]
    assert statuses[-1][0] == "status-police" and 'data-state="timed_out"' in statuses[-1][1]
    assert all('data-state="answered"' in data for _, data in statuses[:-1])


def test_no_content_is_streamed_when_the_audit_trail_cannot_be_written(child_app, client, sign_in, sandbox,  # type: ignore[no-untyped-def]
                                                                       monkeypatch) -> None:
    from portal.audit.writer import AuditUnavailable, AuditWriter

    sign_in("lead.professional")
    child = sandbox.child("multi_agency")
    url, _ = open_child(client, child["chi"])
    shell = BeautifulSoup(client.get(url.removesuffix("/content")).get_data(as_text=True), "html.parser")

    def refuse(self, entries):  # type: ignore[no-untyped-def]
        raise AuditUnavailable("audit store not writable")

    monkeypatch.setattr(AuditWriter, "record_many", refuse)
    body = client.get(shell.select_one("#child-record")["sse-connect"]).get_data(as_text=True)
    record = dict(_events(body))["record"]
    assert "service is unavailable" in record
    assert "data-testid=\"chronology\"" not in record and "data-testid=\"kis\"" not in record
