"""Page objects for the transparency tool: the IG officer's pages and the public page."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Download, Page, expect


class TransparencyPage:
    """Flows and stoppages, and the review-and-publish page (they share the period form and sub-navigation)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open_from_menu(self) -> TransparencyPage:
        self.page.goto(f"{self.base_url}/")
        self.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Transparency").click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Where information flows, and where it stops")
        return self

    def choose_period(self, start: date, end: date) -> None:
        for legend, day in (("Date from", start), ("Date to", end)):
            group = self.page.get_by_role("group", name=legend)
            group.get_by_label("Day").fill(str(day.day))
            group.get_by_label("Month").fill(str(day.month))
            group.get_by_label("Year").fill(str(day.year))
        self.page.get_by_role("button", name="Show this period").click()

    def go_to_review(self) -> None:
        self.page.get_by_role("navigation", name="Transparency").get_by_role("link", name="Review and publish").click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Review and publish a snapshot")

    def publish(self) -> None:
        self.page.get_by_label("I have reviewed these figures and they are fit to publish").check()
        self.page.get_by_role("button", name="Publish snapshot").click()


class PublicTransparencyPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> PublicTransparencyPage:
        self.page.goto(f"{self.base_url}/transparency/public")
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Information sharing in the partnership")
        return self

    def download_csv(self) -> Download:
        with self.page.expect_download() as download:
            self.page.get_by_role("link", name="Download these figures as CSV").click()
        return download.value
