"""Checks every IG page must pass: a title with no personal data, labelled fields, unique ids."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup


def check_page(html: str, *, never_in_title: tuple[str, ...] = ()) -> BeautifulSoup:
    """Parse a page and assert the common rules; returns the soup for further checks."""
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text() if soup.title else ""
    assert title.strip(), "page has no title"
    for secret in never_in_title:
        assert secret not in title, f"personal data in the title: {title!r}"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    duplicates = [value for value, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        field_id = field.get("id")
        assert field_id and soup.find("label", attrs={"for": field_id}), f"unlabelled field {field.get('name')}"
    assert soup.find("h1"), "page has no h1"
    return soup
