"""Meeting mode in Chromium: a family-present meeting from start to handout, and the professionals-only screen."""

from __future__ import annotations

import json
import re
import sqlite3

from playwright.sync_api import Page, expect

from e2e.accessibility import violations
from e2e.pages import Header
from e2e.pages_children import SearchPage
from e2e.pages_ig import TrailSearchPage
from e2e.pages_meetings import MeetingRecordPage, MeetingScreen, StartMeetingPage
from sandbox.cohort.hard_cases import FORMER_PARTNER

FULL_HD = {"width": 1920, "height": 1080}
PAGE_STEP_MS = 20_000  # each page asks every agency again (up to the 3 s deadline), slower on a busy machine
BODY_TEXT = "#meeting-screen td, #meeting-screen p, #meeting-screen summary, .portal-meeting__bar p"


def protected(sandbox) -> dict:  # type: ignore[no-untyped-def]
    """The child with a restricted police record about the mother's former partner, a sibling's information
    in a social work event and a health item marked NOPAT."""
    return sandbox.child("nopat", "third_party", "very_restricted")


def never_for_the_family(sandbox, child: dict) -> list[str]:  # type: ignore[no-untyped-def]
    """Names, addresses and words that must not be anywhere in the page's DOM with the family present."""
    db = sqlite3.connect(sandbox.data_dir / "socialwork.db")
    person = child["ids"]["social_work"]
    contacts = [name for (name,) in db.execute("SELECT name FROM contacts WHERE person_id = ?", (person,))]
    (address,) = db.execute("SELECT address FROM people WHERE person_id = ?", (person,)).fetchone()
    named = [p["name"] for (raw,) in db.execute("SELECT third_parties FROM significant_events WHERE person_id = ? "
                                                "AND third_parties IS NOT NULL", (person,)) for p in json.loads(raw)]
    db.close()
    assert contacts and named and address
    return [*contacts, address.split(",")[0], *named, FORMER_PARTNER, "previous convictions", "Police attended",
            "Restricted information exists", "refuge", "People not to be given information", "disclosed fear"]


def open_meeting(page: Page, base_url: str, chi: str, *, family: bool) -> MeetingScreen:
    page.set_viewport_size(FULL_HD)
    SearchPage(page, base_url).open().search_chi(chi).open().wait_loaded()
    page.get_by_role("link", name="Start a meeting").click()
    return StartMeetingPage(page).start("Child protection planning meeting", family=family,
                                        attendee="Jo Campbell, Practitioner (NHS Glenmorven)",
                                        other=("Family support worker", "Women's Aid"))


def screen_text_of_every_page(page: Page, meeting: MeetingScreen) -> str:
    """Step through the chronology a page at a time with PageDown (as a clicker does), reading each page."""
    pages = int(re.search(r"of (\d+)", meeting.page_caption()).group(1))  # type: ignore[union-attr]
    texts = []
    for number in range(1, pages + 1):
        expect(page.get_by_test_id("meeting-chronology").locator("caption")).to_contain_text(
            f"page {number} of", timeout=PAGE_STEP_MS)
        texts.append(page.locator("#meeting-screen").inner_text())
        page.keyboard.press("PageDown")
    return "\n".join(texts)


def assert_presentation_layout(page: Page) -> None:
    width = page.locator("#meeting").evaluate("element => element.getBoundingClientRect().width")
    assert width >= 1800, f"the meeting uses {width}px of 1920"
    sizes = page.locator(BODY_TEXT).evaluate_all(
        "nodes => nodes.filter(n => n.offsetParent !== null).map(n => parseFloat(getComputedStyle(n).fontSize))")
    assert sizes and min(sizes) >= 24, f"smallest body text {min(sizes)}px"


def test_family_present_meeting_from_start_to_handout(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = protected(sandbox)
    forbidden = never_for_the_family(sandbox, child)
    page: Page = signed_in("lead.professional")
    meeting = open_meeting(page, base_url, child["chi"], family=True)
    expect(page.get_by_test_id("meeting-mode")).to_contain_text("Family in the room")
    assert_presentation_layout(page)
    assert violations(page) == []

    # Step through every page with the keyboard (a clicker sends PageDown); nothing forbidden reaches the DOM.
    page.keyboard.press("ArrowDown")
    expect(meeting.current_row()).to_have_count(1)
    expect(page.locator("[data-cursor]")).to_have_class(re.compile("portal-meeting__cursor--on"))
    pages = int(re.search(r"of (\d+)", meeting.page_caption()).group(1))  # type: ignore[union-attr]
    seen_placeholder = False
    for number in range(1, pages + 1):
        expect(page.get_by_test_id("meeting-chronology").locator("caption")).to_contain_text(
            f"page {number} of", timeout=PAGE_STEP_MS)
        html = page.content()
        leaked = [text for text in forbidden if text in html]
        assert leaked == [], f"page {number} holds {leaked}"
        seen_placeholder = seen_placeholder or "Police concern recorded, " in html
        page.keyboard.press("PageDown")
    assert seen_placeholder

    # The privacy curtain: one key blanks the whole screen at once; a click lifts it.
    page.keyboard.press("b")
    curtain = meeting.curtain()
    expect(curtain).to_be_visible()
    box = curtain.bounding_box()
    assert box and box["width"] >= 1900 and box["height"] >= 1000
    curtain.click()
    expect(curtain).to_be_hidden()
    page.get_by_role("button", name="Blank the screen (B)").focus()
    page.keyboard.press("Enter")
    expect(curtain).to_be_visible()
    page.keyboard.press("Enter")  # its own button has focus: keyboard users lift it too
    expect(curtain).to_be_hidden()

    # Reveal the police report about a third party, with a reason and confirmation.
    meeting = meeting.reveal("Police Scotland", "Information about someone else", "The family already know this")
    texts = screen_text_of_every_page(page, meeting)
    report = re.search(r"Mother's former partner, (Adult [A-Z]+), has previous convictions", texts)
    plan = re.search(r"(Adult [A-Z]+) is not to have contact", texts)
    assert report and plan and report.group(1) == plan.group(1)  # the same substitute throughout the meeting
    assert FORMER_PARTNER not in page.content()

    record = meeting.end()
    shown = record.shown_ids()
    handout = record.open_handout()
    expect(handout.get_by_test_id("handout-marking")).to_contain_text("shown at a meeting with the family present")
    rows = handout.get_by_test_id("handout").locator("tr[data-record]")
    assert {str(rows.nth(i).get_attribute("data-record")) for i in range(rows.count())} == shown
    assert FORMER_PARTNER not in handout.content()
    assert violations(handout) == []

    Header(page).sign_out()
    ig: Page = signed_in("ig.officer")
    search = TrailSearchPage(ig, base_url).open()
    for event_type, detail in (("Meeting started", "Women's Aid"), ("Meeting: withheld item revealed", "police"),
                               ("Meeting ended", "by the chair")):
        search.search(chi=child["chi"], event_type=event_type)
        expect(ig.get_by_test_id("result-count")).to_contain_text("1 entry found")
        ig.locator("table a").first.click()
        expect(ig.get_by_test_id("entry-details")).to_contain_text(detail)
        search.open()


def test_professionals_only_meeting_shows_the_chairs_access_in_the_presentation_layout(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox) -> None:
    child = protected(sandbox)
    page: Page = signed_in("lead.professional")
    meeting = open_meeting(page, base_url, child["chi"], family=False)
    expect(page.get_by_test_id("meeting-mode")).to_contain_text("Professionals only")
    assert_presentation_layout(page)
    assert violations(page) == []
    texts = screen_text_of_every_page(page, meeting)
    assert FORMER_PARTNER in texts and "previous convictions" in texts  # R police item: the chair's access allows it
    meeting.end()


def test_the_meeting_warns_then_goes_blank_when_its_time_is_up(signed_in, base_url: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    child = protected(sandbox)
    page: Page = signed_in("lead.professional")
    page.clock.install()
    meeting = open_meeting(page, base_url, child["chi"], family=True)
    warning = page.get_by_text("This meeting will close in less than 5 minutes")
    expect(warning).to_be_hidden()
    page.clock.run_for("10:30")
    expect(warning).to_be_visible()
    page.get_by_role("button", name="Keep the meeting open").click()
    expect(page.get_by_test_id("meeting-clock")).to_contain_text(re.compile(r"^1[45]:"))
    expect(warning).to_be_hidden()
    page.clock.run_for("10:30")
    expect(warning).to_be_visible()
    page.clock.run_for("05:00")
    expect(page.get_by_test_id("meeting-blank")).to_be_visible(timeout=PAGE_STEP_MS)
    assert meeting.page.locator("#meeting-screen").count() == 0
    assert child["forename"] not in page.content()


def test_preparing_and_the_chairs_pages_work_from_the_keyboard_with_no_axe_violations(  # type: ignore[no-untyped-def]
        signed_in, base_url: str, sandbox) -> None:
    child = protected(sandbox)
    page: Page = signed_in("lead.professional")
    SearchPage(page, base_url).open().search_chi(child["chi"]).open().wait_loaded()
    page.get_by_role("link", name="Start a meeting").click()
    start = StartMeetingPage(page)
    assert violations(page) == []
    page.get_by_role("button", name="Prepare what the room will see").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the type of meeting")
    assert violations(page) == []

    prepare = start.prepare("Team Around the Child meeting", family=True)
    assert violations(page) == []
    preview = page.content()
    assert FORMER_PARTNER not in preview and "previous convictions" not in preview
    picked = [str(prepare.choices().nth(i).get_attribute("value")) for i in range(3)]
    prepare.keep_only_first(3)
    meeting = prepare.start()
    assert meeting.record_ids() == picked  # exactly the events the chair picked

    page.get_by_role("link", name="Reveal a withheld item").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Reveal a withheld item")).to_be_visible(timeout=PAGE_STEP_MS)
    assert violations(page) == []
    page.get_by_role("button", name="Show this item to the room").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the withheld item to show")
    assert violations(page) == []
    page.get_by_role("link", name="Back to the meeting").click()
    MeetingScreen(page).page.get_by_role("button", name="End the meeting").focus()
    page.keyboard.press("Enter")
    MeetingRecordPage(page)
    assert violations(page) == []
