"""Page objects for the IG workspace, and a helper that seeds the live portal's audit store."""

from __future__ import annotations

from collections.abc import Iterable

from playwright.sync_api import Download, Page, expect

from portal.audit.entry import AuditInput, RecordedEntry
from portal.audit.writer import AuditWriter


def seed_audit(database_url: str, entries: Iterable[AuditInput]) -> list[RecordedEntry]:
    """Append entries to the live portal's trail, through the same chained writer the portal uses."""
    from portal.extensions import make_engine

    engine = make_engine(database_url)
    try:
        return AuditWriter(engine).record_many(list(entries))
    finally:
        engine.dispose()


class TrailSearchPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> TrailSearchPage:
        self.page.goto(f"{self.base_url}/ig/audit")
        expect(self.page.get_by_role("heading", name="Search the audit trail", level=1)).to_be_visible()
        return self

    def search(self, *, chi: str = "", break_glass: str | None = None, event_type: str | None = None) -> None:
        self.page.get_by_label("Child's CHI number").fill(chi)
        if event_type:
            self.page.get_by_label("Event type").select_option(label=event_type)
        if break_glass:
            self.page.get_by_role("group", name="Break-glass").get_by_label(break_glass, exact=True).check()
        self.page.get_by_role("button", name="Search").click()

    def open_entry(self, sequence: int) -> None:
        self.page.get_by_role("link", name=f"Entry {sequence}", exact=True).click()
        expect(self.page.get_by_role("heading", name=f"Audit entry {sequence}")).to_be_visible()


class BreakGlassQueuePage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> BreakGlassQueuePage:
        self.page.goto(f"{self.base_url}/ig/break-glass")
        expect(self.page.get_by_role("heading", name="Break-glass reviews", level=1)).to_be_visible()
        return self

    def review_link(self, sequence: int):  # type: ignore[no-untyped-def]
        return self.page.get_by_role("link", name=f"Review break-glass entry {sequence}")

    def decide(self, sequence: int, decision: str, note: str) -> None:
        self.review_link(sequence).click()
        expect(self.page.get_by_role("heading", name=f"Break-glass entry {sequence}")).to_be_visible()
        self.page.get_by_label(decision, exact=True).check()
        self.page.get_by_label("Note").fill(note)
        self.page.get_by_role("button", name="Record decision").click()


class WhoViewedPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def produce(self, chi: str) -> WhoViewedPage:
        self.page.goto(f"{self.base_url}/ig/who-viewed")
        self.page.get_by_label("Child's CHI number").fill(chi)
        self.page.get_by_role("button", name="Produce report").click()
        expect(self.page.get_by_test_id("who-viewed-report")).to_be_visible()
        return self

    def access_rows(self) -> list[str]:
        return self.page.get_by_test_id("accesses").locator("tbody tr").all_inner_texts()

    def download_csv(self) -> Download:
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name="Download as CSV").click()
        return download.value


class ExportsPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def download(self, format_label: str, chi: str = "") -> Download:
        self.page.goto(f"{self.base_url}/ig/exports")
        self.page.get_by_label(format_label).check()
        self.page.get_by_label("Only this child's CHI number (optional)").fill(chi)
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name="Download export").click()
        return download.value
