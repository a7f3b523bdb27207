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

    def kis_source(self, field: str) -> str:
        """Open "Source, and why can I see this?" on a KIS value and read where it came from."""
        details = self.page.locator(f"[data-testid=kis] [data-field={field}] details.portal-why").first
        details.locator("summary").click()
        return details.locator(".portal-provenance").inner_text()

    def timeline_lanes(self) -> list[str]:
        lanes = self.page.locator("[data-testid=timeline] svg g[data-agency]")
        return [str(lanes.nth(i).get_attribute("data-agency")) for i in range(lanes.count())]

    def filter_agency(self, label: str) -> None:
        filters = self.page.get_by_test_id("chronology-filters")
        filters.get_by_label(label, exact=True).check()
        filters.get_by_role("button", name="Apply filters").click()

    def filter_words(self, words: str, *, all_events: bool = True) -> None:
        """Type words into the filter and send it from the keyboard (Enter in the box submits the form)."""
        filters = self.page.get_by_test_id("chronology-filters")
        if all_events:
            filters.get_by_label("All events", exact=True).check()
        filters.get_by_label("Words in the event").fill(words)
        filters.get_by_label("Words in the event").press("Enter")

    def chronology_texts(self) -> list[str]:
        return [" ".join(text.split()) for text in
                self.page.locator("[data-testid=chronology-table] tr[data-agency]").all_inner_texts()]


class RefusedPage:
    """'You cannot open this record': the reason, and the break-glass form where policy offers it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        expect(page.get_by_role("heading", name="You cannot open this record")).to_be_visible()

    def reason(self) -> str:
        return self.page.get_by_test_id("refusal-reason").inner_text().strip()

    def offers_break_glass(self) -> bool:
        return self.page.get_by_role("button", name="Break the glass and open the record").count() == 1

    def break_glass(self, reason_label: str, justification: str) -> ChildPage:
        self.page.get_by_label(reason_label).check()
        self.page.get_by_label("Explain why you need to see this child's information now").fill(justification)
        self.page.get_by_role("button", name="Break the glass and open the record").click()
        return ChildPage(self.page)


class AccessPanel:
    """Access on a child's page: break-glass banner, withheld categories, notices, 'Why can I see this?'."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def banner(self) -> Locator:
        return self.page.get_by_test_id("break-glass-banner")

    def end_break_glass(self) -> None:
        self.banner().get_by_role("button", name="End break-glass access now").click()

    def withheld(self, agency: str) -> list[str]:
        """'Category: rule' lines the data-flows panel lists as withheld for one agency."""
        row = self.page.locator(f"[data-testid=data-flows] tr[data-agency={agency}]")
        details = row.locator("details")
        if details.count() == 0:
            return []
        details.locator("summary").click()
        return [text.strip() for text in details.locator("li").all_inner_texts()]

    def notices(self, agency: str) -> list[str]:
        row = self.page.locator(f"[data-testid=data-flows] tr[data-agency={agency}]")
        return [text.strip() for text in row.get_by_test_id("restricted-notice").all_inner_texts()]

    def chronology_rows(self, agency: str | None = None) -> Locator:
        selector = f"tr[data-agency={agency}]" if agency else "tr[data-agency]"
        return self.page.locator(f"[data-testid=chronology-table] {selector}")

    def restricted_rows(self, agency: str | None = None) -> Locator:
        return self.chronology_rows(agency).filter(has=self.page.locator(".govuk-tag", has_text="Restricted"))

    def why(self, row: Locator) -> str:
        """Open 'Why can I see this?' on a chronology row and read the answer."""
        details = row.locator("details.portal-why")
        details.locator("summary").click()
        text = details.locator(".govuk-details__text")
        expect(text).to_be_visible()
        return text.inner_text().strip()


class AdminRelationshipsPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, chi: str | None = None) -> AdminRelationshipsPage:
        self.page.goto(f"{self.base_url}/admin/relationships")
        expect(self.page.get_by_role("heading", name="Relationships", exact=True)).to_be_visible()
        if chi:  # the filter is POSTed: the list's address carries an opaque reference, never the CHI
            form = self.page.get_by_test_id("filter-form")
            form.get_by_label("Show relationships for one child (CHI number)").fill(chi)
            form.get_by_role("button", name="Show").click()
            expect(self.page.get_by_role("heading", name="Relationships", exact=True)).to_be_visible()
            assert chi not in self.page.url
        return self

    def add(self, chi: str, basis: str, holder: str, starts: date, ends: date | None = None) -> None:
        form = self.page.get_by_test_id("add-form")
        form.get_by_label("Child's CHI number").fill(chi)
        form.get_by_label("Basis").select_option(label=basis)
        form.get_by_label("Held by").select_option(label=holder)
        for prefix, moment in (("starts", starts), ("ends", ends)):
            if moment is not None:
                form.locator(f"#{prefix}-day").fill(str(moment.day))
                form.locator(f"#{prefix}-month").fill(str(moment.month))
                form.locator(f"#{prefix}-year").fill(str(moment.year))
        form.get_by_role("button", name="Add relationship").click()

    def rows(self) -> Locator:
        return self.page.locator("[data-testid=relationships-table] tbody tr")

    def error_summary(self) -> Locator:
        return self.page.locator(".govuk-error-summary")
