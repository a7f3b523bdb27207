"""The demo phase banner sits inside a landmark (axe `region`), on every page that shows it."""

from __future__ import annotations

from bs4 import BeautifulSoup

LANDMARKS = {"header", "nav", "main", "footer", "aside"}


def _in_landmark(tag) -> bool:  # type: ignore[no-untyped-def]
    for parent in tag.parents:
        if parent.name in LANDMARKS:
            return True
        if parent.get("role") in {"region", "banner", "main", "navigation", "contentinfo", "complementary"}:
            return True
        if parent.name == "section" and (parent.get("aria-label") or parent.get("aria-labelledby")):
            return True
    return False


def test_the_demo_banner_is_inside_a_named_region(app, client) -> None:  # type: ignore[no-untyped-def]
    app.jinja_env.globals["demo_mode"] = True
    for path in ("/sign-in", "/no-such-page"):
        soup = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        banner = soup.select_one("[data-testid=demo-banner]")
        assert banner is not None, f"{path} shows the demo banner"
        assert "Demo data – not real children" in banner.get_text()
        assert _in_landmark(banner.find("p")), f"{path}: the demo banner is outside every landmark"
