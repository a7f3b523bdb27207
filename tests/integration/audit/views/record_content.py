"""What a rendered child page showed that came from the agencies: the strings that must never persist."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

MIN_DISTINCTIVE_LENGTH = 8  # shorter strings ("Seen") turn up anywhere by chance


def fetched_event_text(html: str) -> set[str]:
    """Titles and summaries of every chronology row on the page (as the agencies returned them)."""
    soup = BeautifulSoup(html, "html.parser")
    found = set()
    for row in soup.select("[data-testid=chronology-table] tr[data-agency]"):
        cell = row.find_all("td")[1]
        title = cell.find("strong", recursive=False)
        summary = cell.find("span", class_="govuk-body-s", recursive=False)
        found.update(part.get_text(strip=True) for part in (title, summary) if part is not None)
    return {text for text in found if len(text) >= MIN_DISTINCTIVE_LENGTH}


def identifying_strings(child: dict) -> set[str]:
    """The child's name and date of birth, in the forms a page or a log line would carry them."""
    born = date.fromisoformat(child["birth_date"])
    return {
        f"{child['forename']} {child['surname']}",
        f"{child['surname']}, {child['forename']}",
        born.isoformat(),
        f"{born.day} {born:%B %Y}",
        f"{born:%d/%m/%Y}",
    }
