"""Page objects for meeting mode: start, the shared screen, reveal, the record and the handout."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

GATHER_MS = 20_000  # pages that ask every agency (deadline 3 s) can take longer on a busy machine


class StartMeetingPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        expect(page.get_by_role("heading", name="Start a meeting", level=1)).to_be_visible()

    def start(self, meeting_type: str, *, family: bool, attendee: str | None = None,
              other: tuple[str, str] | None = None) -> MeetingScreen:
        self.fill(meeting_type, family=family, attendee=attendee, other=other)
        self.page.get_by_role("button", name="Start the meeting now").click()
        return MeetingScreen(self.page)

    def prepare(self, meeting_type: str, *, family: bool) -> PreparePage:
        self.fill(meeting_type, family=family)
        self.page.get_by_role("button", name="Prepare what the room will see").click()
        return PreparePage(self.page)

    def fill(self, meeting_type: str, *, family: bool, attendee: str | None = None,
             other: tuple[str, str] | None = None) -> None:
        self.page.get_by_label(meeting_type).check()
        if family:
            self.page.get_by_label("Parents or carers").check()
        if attendee:
            self.page.get_by_label(attendee).check()
        if other:
            self.page.get_by_label("Role of other attendee 1").fill(other[0])
            self.page.get_by_label("Organisation of other attendee 1").fill(other[1])


class PreparePage:
    def __init__(self, page: Page) -> None:
        self.page = page
        expect(page.get_by_test_id("child-name")).to_contain_text("What the family will see", timeout=GATHER_MS)

    def choices(self) -> Locator:
        return self.page.locator("input[name=item]")

    def keep_only_first(self, count: int) -> None:
        boxes = self.choices()
        for i in range(count, boxes.count()):
            boxes.nth(i).uncheck()
        self.page.get_by_role("button", name="Save the events to show").click()

    def start(self) -> MeetingScreen:
        self.page.get_by_role("button", name="Start the meeting").click()
        return MeetingScreen(self.page)


class MeetingScreen:
    def __init__(self, page: Page) -> None:
        self.page = page
        expect(page.get_by_role("heading", name="Chair's controls")).to_be_visible(timeout=GATHER_MS)
        expect(page.locator("[data-meeting][data-ready]")).to_have_count(1)  # the keys work once the script runs

    @property
    def screen(self) -> Locator:
        return self.page.locator("#meeting-screen")

    def rows(self) -> Locator:
        return self.page.get_by_test_id("meeting-chronology").locator("tbody tr[data-record]")

    def record_ids(self) -> list[str]:
        rows = self.rows()
        return [str(rows.nth(i).get_attribute("data-record")) for i in range(rows.count())]

    def current_row(self) -> Locator:
        return self.page.locator("tr.portal-meeting__row--current")

    def page_caption(self) -> str:
        return self.page.get_by_test_id("meeting-chronology").locator("caption").inner_text()

    def curtain(self) -> Locator:
        return self.page.get_by_test_id("curtain")

    def reveal(self, agency_label: str, reason_text: str, reason: str) -> MeetingScreen:
        self.page.get_by_role("link", name="Reveal a withheld item").click()
        expect(self.page.get_by_role("heading", name="Reveal a withheld item")).to_be_visible(timeout=GATHER_MS)
        items = self.page.get_by_test_id("withheld-items").locator(".govuk-radios__item")
        items.filter(has_text=agency_label).filter(has_text=reason_text).first.locator("input").check()
        self.page.get_by_label(reason).check()
        self.page.get_by_label("I confirm this item may be shown to everyone in the room").check()
        self.page.get_by_role("button", name="Show this item to the room").click()
        return MeetingScreen(self.page)

    def end(self) -> MeetingRecordPage:
        self.page.get_by_role("button", name="End the meeting").click()
        return MeetingRecordPage(self.page)


class MeetingRecordPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        expect(page.get_by_role("heading", name="Record of the meeting, for the minutes")).to_be_visible(
            timeout=GATHER_MS)

    def shown_ids(self) -> set[str]:
        rows = self.page.get_by_test_id("items-shown").locator("tr[data-record]")
        return {str(rows.nth(i).get_attribute("data-record")) for i in range(rows.count())}

    def open_handout(self) -> Page:
        self.page.get_by_role("link", name="Print the handout of what was shown").click()
        expect(self.page.get_by_test_id("handout-marking")).to_be_visible(timeout=GATHER_MS)
        return self.page
