"""Break-glass tells the people who must know: the child's lead professional (portal + e-mail) and IG.

Real parts: the live portal, a real SMTP server receiving the messages, the audit trail.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from e2e.accessibility import violations
from e2e.audit_trail import entries
from e2e.conftest import IG_MAILBOX
from e2e.pages import SignInPage
from e2e.pages_children import AccessPanel, ChildPage, RefusedPage, SearchPage
from portal.demo import DEMO_EMAIL_DOMAIN
from tests.support.accounts import TEST_PASSWORD

REASON = "Immediate risk of significant harm to the child"
JUSTIFICATION = "Pupil disclosed harm at school this morning; the social worker cannot be reached."
LEAD = f"lead.professional@{DEMO_EMAIL_DOMAIN}"


def _child(sandbox) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A story child (lead professional: lead.professional; the teacher holds no relationship) no other journey uses."""
    return [c for c in sandbox.children("multi_agency") if c.get("chi")][-2]


def _sign_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_page()
    SignInPage(page, base_url).open().sign_in(username, TEST_PASSWORD)
    page.wait_for_url(f"{base_url}/")
    return page


def _assert_nothing_about_the_child(text: str, child: dict) -> None:  # type: ignore[type-arg]
    for secret in (child["chi"], child["forename"], child["surname"], JUSTIFICATION):
        assert secret not in text, "a notification must not carry the CHI, the child's name or the justification"


def test_break_glass_tells_the_lead_professional_and_ig(  # type: ignore[no-untyped-def]
        signed_in, browser: Browser, base_url: str, sandbox, smtp_inbox, portal_env: dict[str, str]) -> None:
    inbox, _ = smtp_inbox
    child = _child(sandbox)
    teacher: Page = signed_in("teacher")
    # Other journeys break the glass on the lead professional's children too: only this journey's mail counts.
    mark = inbox.mark()
    SearchPage(teacher, base_url).open().search_chi(child["chi"]).open()
    RefusedPage(teacher).break_glass(REASON, JUSTIFICATION)
    ChildPage(teacher).wait_loaded()

    # E-mail to the lead professional: who, which organisation, the coded reason in words, an opaque link.
    (mail,) = inbox.wait_for(LEAD, since=mark)
    body = mail.get_content()
    assert mail["Subject"] == "A child you work with: record opened in an emergency"
    assert ("A record of a child you work with was opened in an emergency by Sam Reid, Glenmorven Council "
            f"Education (Kilbrae Primary School), reason {REASON}.") in body
    _assert_nothing_about_the_child(mail.as_string(), child)
    link = re.search(rf"{re.escape(base_url)}/notifications/open/\S+", body)
    assert link is not None, body
    (ig_mail,) = inbox.wait_for(IG_MAILBOX, since=mark)
    assert "Break-glass access was started by Sam Reid" in ig_mail.get_content()
    _assert_nothing_about_the_child(ig_mail.as_string(), child)

    # In the portal: a badge in the header and the notification on the page.
    lead = _sign_in(browser, base_url, "lead.professional")
    badge = lead.get_by_test_id("notifications-badge")
    expect(badge).to_be_visible()
    lead.get_by_test_id("notifications-link").click()
    expect(lead.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    unread = lead.get_by_test_id("notification").filter(has_text="Unread")
    # Other journeys' break-glass by the same teacher notify this lead professional too: one in-portal
    # notification for every e-mail the lead professional was sent about the teacher's emergency access.
    from_teacher = [m for m in inbox.to(LEAD) if "Sam Reid" in m.get_content()]
    expect(unread.filter(has_text="opened in an emergency by Sam Reid")).to_have_count(len(from_teacher))
    expect(badge).to_have_text(f"{unread.count()} unread")
    assert violations(lead) == []
    lead.set_viewport_size({"width": 320, "height": 640})  # reflow: no sideways scrolling at 320 CSS px
    assert lead.evaluate("document.documentElement.scrollWidth") <= 320

    # The e-mailed link opens the child for the lead professional, once they say why (as every view needs)...
    lead.goto(link.group(0))
    lead.get_by_role("button", name="Open the record").click()
    expect(lead.get_by_text("Choose why you need to see this child's information").first).to_be_visible()
    assert violations(lead) == []
    lead.get_by_label("Lead professional review of the child's plan").check()
    lead.get_by_role("button", name="Open the record").click()
    expect(lead.get_by_test_id("child-name")).to_have_text(f"{child['forename']} {child['surname']}", timeout=15_000)
    # ... and for nobody else.
    health_visitor = _sign_in(browser, base_url, "health.visitor")
    response = health_visitor.goto(link.group(0))
    assert response is not None and response.status == 404
    expect(health_visitor.get_by_test_id("child-name")).to_have_count(0)

    # IG see theirs in the portal too.
    ig = _sign_in(browser, base_url, "ig.officer")
    ig.get_by_test_id("notifications-link").click()
    expect(ig.get_by_test_id("notification").filter(has_text="Break-glass access was started by Sam Reid").first
           ).to_be_visible()

    # Every delivery is in the audit trail.
    delivered = {(e.details["recipient"], e.details["channel"], e.details["status"])
                 for e in entries(portal_env["DATABASE_URL"], "notification_delivery")}
    assert {("lead.professional", "email", "sent"), ("lead.professional", "portal", "sent"),
            ("IG mailbox", "email", "sent"), ("ig.officer", "portal", "sent")} <= delivered

    AccessPanel(teacher).end_break_glass()
