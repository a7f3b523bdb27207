"""Page objects for finding a child and reading their record."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Locator, Page, expect


class SearchPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> SearchPage:
        self.page.goto(f"{self.base_url}/children/search")
        expect(self.page.get_by_role("heading", name="Find a child")).to_be_visible()
        return self

    def choose_purpose(self, label: str) -> None:
        self.page.get_by_label(label).check()

    def search_chi(self, chi: str, purpose: str = "Child protection enquiry or IRD") -> ResultsPage:
        self.page.get_by_label("CHI number").fill(chi)
        self.choose_purpose(purpose)
        self.page.get_by_role("button", name="Search").click()
        return ResultsPage(self.page)

    def search_name(self, forename: str, surname: str, born: date,
                    purpose: str = "Child protection enquiry or IRD") -> ResultsPage:
        self.page.get_by_label("First name").fill(forename)
        self.page.get_by_label("Last name").fill(surname)
        self.page.get_by_label("Day").fill(str(born.day))
        self.page.get_by_label("Month").fill(str(born.month))
        self.page.get_by_label("Year").fill(str(born.year))
        self.choose_purpose(purpose)
        self.page.get_by_role("button", name="Search").click()
        return ResultsPage(self.page)

    def error_summary(self) -> Locator:
        return self.page.locator(".govuk-error-summary")


class ResultsPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        expect(page.get_by_role("heading", name="Search results")).to_be_visible()

    def names(self) -> list[str]:
        return [title.strip() for title in self.page.locator("[data-testid=result] h2").all_inner_texts()]

    def open(self, name: str | None = None) -> ChildPage:
        card = self.page.locator("[data-testid=result]")
        if name:
            card = card.filter(has=self.page.get_by_role("heading", name=name, exact=True))
        card.first.get_by_role("link", name="Open record").click()
        return ChildPage(self.page)


class ChildPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    def wait_loaded(self, timeout_ms: int = 15_000) -> ChildPage:
        expect(self.page.get_by_test_id("child-name")).to_be_visible(timeout=timeout_ms)
        return self

    def name(self) -> str:
        return self.page.get_by_test_id("child-name").inner_text().strip()

    def flow_state(self, agency: str) -> str:
        return str(self.page.locator(f"[data-testid=data-flows] tr[data-agency={agency}]").get_attribute("data-state"))

    def chronology_agencies(self) -> set[str]:
        rows = self.page.locator("[data-testid=chronology-table] tr[data-agency]")
        return {str(rows.nth(i).get_attribute("data-agency")) for i in range(rows.count())}

    def chronology_row_count(self) -> int:
        return self.page.locator("[data-testid=chronology-table] tr[data-agency]").count()

    def kis_value(self, field: str) -> str:
        return self.page.locator(f"[data-testid=kis] [data-field={field}] dd").inner_text()

    def timeline_lanes(self) -> list[str]:
        lanes = self.page.locator("[data-testid=timeline] svg g[data-agency]")
        return [str(lanes.nth(i).get_attribute("data-agency")) for i in range(lanes.count())]

    def filter_agency(self, label: str) -> None:
        filters = self.page.get_by_test_id("chronology-filters")
        filters.get_by_label(label, exact=True).check()
        filters.get_by_role("button", name="Apply filters").click()
