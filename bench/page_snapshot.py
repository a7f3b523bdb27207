"""Write the child's pages as rendered, for a before/after comparison of a rendering change. (Not a test.)

    .venv/bin/python -m bench.page_snapshot OUT_DIR     # on each branch in turn, then
    .venv/bin/python -m bench.page_snapshot --compare BEFORE_DIR AFTER_DIR

Runs the real portal in-process against the real sandbox agencies (like bench.render) and saves, for
several cohort children, the content page, chronology pages and fragments, the timeline and the printout.
Only what changes from one run to the next is replaced (CSRF tokens, record references, signed offers and
cursors, agency answer times, the print time), so two runs of the same code write the same files.
The pages hold the sandbox's made-up cohort only; still, write them to a temporary folder and delete it.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bs4 import BeautifulSoup  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from portal.demo import seed_demo_relationships  # noqa: E402
from tests.conftest import build_app, dispose_engines, extract_csrf, make_settings  # noqa: E402
from tests.support.accounts import TEST_PASSWORD  # noqa: E402
from tests.support.sandbox import RunningSandbox, environment, running_sandbox, set_fault  # noqa: E402

HX = {"HX-Request": "true"}
VOLATILE = (
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1CSRF"),
    (re.compile(r'(name="csrf-token"[^>]*content=")[^"]+'), r"\1CSRF"),
    (re.compile(r'(name="offer"[^>]*value=")[^"]+'), r"\1OFFER"),
    (re.compile(r"gAAAAA[A-Za-z0-9_=-]+"), "REF"),  # Fernet tokens: record, search and meeting references
    (re.compile(r"/children/(?!search|results)[A-Za-z0-9_.=-]{20,}"), "/children/REF"),
    (re.compile(r"([?&;]at=)[^\"&#]+"), r"\1AT"),
    (re.compile(r"\b\d+ ms\b"), "N ms"),
    (re.compile(r"( at )\d\d:\d\d( GMT| BST)"), r"\1HH:MM\2"),
)


def normalise(html: str) -> str:
    for pattern, replacement in VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def _collapsed(html: str) -> str:
    """The page as a browser lays it out: a run of white space reads as one space (no page here uses `pre`)."""
    return " ".join(html.split())


def compare(before: Path, after: Path) -> int:
    """How many pages differ in more than white space; prints each page's verdict."""
    names = sorted({path.name for path in (*before.glob("*.html"), *after.glob("*.html"))})
    differing = 0
    for name in names:
        old, new = before / name, after / name
        if not (old.exists() and new.exists()):
            verdict = "missing on one side"
        elif old.read_bytes() == new.read_bytes():
            verdict = "identical"
        elif _collapsed(old.read_text(encoding="utf-8")) == _collapsed(new.read_text(encoding="utf-8")):
            verdict = "same but for white space"
        else:
            verdict = "DIFFERENT"
        differing += verdict in ("DIFFERENT", "missing on one side")
        print(f"{name:<48} {verdict}")
    print(f"{len(names)} pages, {differing} different")
    return differing


def _sign_in(client: FlaskClient, username: str) -> None:
    token = extract_csrf(client.get("/sign-in").get_data(as_text=True))
    reply = client.post("/sign-in", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token})
    if reply.status_code != 302:
        raise SystemExit(f"sign-in as {username} failed: {reply.status_code}")


def _open(client: FlaskClient, chi: str) -> str:
    """The record's address (the page shell) after a search by CHI."""
    token = extract_csrf(client.get("/children/search").get_data(as_text=True))
    results = client.post("/children/search", data={"chi": chi, "purpose": "child_protection", "csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    link = next(a["href"] for a in BeautifulSoup(results, "html.parser").find_all("a") if "Open record" in a.get_text())
    return str(link)


def _cases(sandbox: RunningSandbox) -> list[tuple[str, str, str, Callable[[FlaskClient, str], list[tuple[str, str]]]]]:
    """(case name, user, CHI, the pages to fetch as (name, html))."""
    def get(client: FlaskClient, path: str, headers: dict[str, str] | None = None, **query: object) -> str:
        response = client.get(path, query_string=query or None, headers=headers or {})
        return f"<!-- status {response.status_code} -->\n" + response.get_data(as_text=True)

    def full(client: FlaskClient, link: str) -> list[tuple[str, str]]:
        return [("shell", get(client, link)), ("content", get(client, link + "/content")),
                ("content-htmx", get(client, link + "/content", HX)),
                ("chronology-2-all", get(client, link + "/chronology", HX, page=2, show="all")),
                ("content-filtered", get(client, link + "/content", show="all", agency=["health", "police"],
                                         shanarri="safe", order="oldest")),
                ("content-bad-date", get(client, link + "/content", **{"from-day": "31", "from-month": "2",
                                                                      "from-year": "2020"})),
                ("print", get(client, link + "/print"))]

    def large(client: FlaskClient, link: str) -> list[tuple[str, str]]:
        first = get(client, link + "/content")
        pages = [("content", first), ("chronology-2", get(client, link + "/chronology", HX, page=2)),
                 ("content-40-all", get(client, link + "/content", page=40, show="all")),
                 ("chronology-filtered", get(client, link + "/chronology", HX, agency="education", q="absence")),
                 ("timeline", get(client, link + "/timeline", HX))]
        turn = re.search(r'hx-get="([^"]*(?:&amp;|[?&])at=[^"]+)"', first)
        if turn:
            pages.append(("turn", get(client, turn.group(1).replace("&amp;", "&"), HX)))
        return pages

    def content(client: FlaskClient, link: str) -> list[tuple[str, str]]:
        return [("content", get(client, link + "/content"))]

    multi = sandbox.children("multi_agency")
    ordinary = [c for c in sandbox.cohort if c.get("chi") and not {"sealed", "twins", "namesake", "name_variant"}
                & set(c["tags"])][1:4]
    candidate = next(c for c in sandbox.cohort if c.get("chi") and "no_chi_police" in c["tags"])
    protected = sandbox.child("very_restricted", "multi_agency")
    return [
        *[(f"ordinary-{n}", "lead.professional", child["chi"], full if n == 0 else content)
          for n, child in enumerate(ordinary)],
        ("multi-agency", "lead.professional", multi[0]["chi"], full),
        ("candidate", "lead.professional", candidate["chi"], content),
        ("large", "lead.professional", sandbox.child("large")["chi"], large),
        ("restricted-notices", "health.visitor", protected["chi"], content),
        ("failing-education", "lead.professional", multi[1]["chi"], full),
    ]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        raise SystemExit(1 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, running_sandbox(Path(folder) / "sandbox") as sandbox:
        # A busy machine must not turn an answer into a time-out: that would differ from run to run.
        app = build_app(make_settings(Path(folder), FEDERATION_DEADLINE_S=30))
        with environment(sandbox.env):
            with app.app_context():
                seed_demo_relationships(sandbox.cohort, Path(folder), today=date.today())
            for name, user, chi, fetch in _cases(sandbox):
                client = app.test_client()  # a session of its own for each case
                _sign_in(client, user)
                link = _open(client, chi)
                if name.startswith("failing-"):
                    set_fault(sandbox, "education", "error500")
                try:
                    for page, html in fetch(client, link):
                        (out / f"{name}--{page}.html").write_text(normalise(html), encoding="utf-8")
                finally:
                    if name.startswith("failing-"):
                        set_fault(sandbox, "education", None)
            print(f"{len(list(out.glob('*.html')))} pages written to {out}")
        dispose_engines()


if __name__ == "__main__":
    main()
