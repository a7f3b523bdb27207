"""The search, the page and the stream: the agencies looked up once per view, each agency asked once."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.integration.children.conftest import open_child
from tests.integration.children.test_stream import _events

IN_CONFIGURATION_ORDER = ["health", "social_work", "education", "police", "scra"]


def _flows(html: str) -> list[str]:
    """The agencies of the data-flows panel, top to bottom."""
    panel = BeautifulSoup(html, "html.parser").select_one("[data-testid=data-flows]")
    return [row["data-agency"] for row in panel.select("tr[data-agency]")]


def test_page_and_stream_each_look_up_the_agencies_once_and_ask_each_agency_once(  # type: ignore[no-untyped-def]
        child_app, client, sign_in, sandbox, monkeypatch) -> None:
    import portal.sources
    from portal.children import assemble, searching
    from portal.record.pool import FanoutExecutor

    lookups: list[str] = []
    batches: list[int] = []
    real_registry, real_submit_all = portal.sources.registry, FanoutExecutor.submit_all

    def counted_registry():  # type: ignore[no-untyped-def]
        lookups.append("registry")
        return real_registry()

    def counted_submit_all(self, calls):  # type: ignore[no-untyped-def]
        batches.append(len(calls))
        return real_submit_all(self, calls)

    monkeypatch.setattr(portal.sources, "registry", counted_registry)
    monkeypatch.setattr(assemble, "registry", counted_registry)
    monkeypatch.setattr(searching, "registry", counted_registry)
    monkeypatch.setattr(FanoutExecutor, "submit_all", counted_submit_all)

    sign_in("lead.professional")
    content_url, _ = open_child(client, sandbox.child("multi_agency")["chi"])
    assert (len(lookups), batches) == (2, [5, 5])  # the search, then the record: one look-up and one batch each
    shell = BeautifulSoup(client.get(content_url.removesuffix("/content")).get_data(as_text=True), "html.parser")
    stream_url = shell.select_one("#child-record")["sse-connect"]

    lookups.clear()
    batches.clear()
    page = client.get(content_url).get_data(as_text=True)
    assert (len(lookups), batches) == (1, [5])  # one look-up; all five agencies asked at once, once each

    lookups.clear()
    batches.clear()
    streamed = dict(_events(client.get(stream_url).get_data(as_text=True)))["record"]
    assert (len(lookups), batches) == (1, [5])

    # Whatever order the agencies answered the stream in, both list them in configuration order.
    assert _flows(page) == _flows(streamed) == IN_CONFIGURATION_ORDER
