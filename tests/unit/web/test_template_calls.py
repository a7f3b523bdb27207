"""The child's page and a meeting screen read values worked out before rendering: no per-record call-backs."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, nodes

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
# Flask's and Jinja's own: links, the CSRF token, a macro's caller. Nothing that computes a child's record.
FRAMEWORK_CALLS = {"url_for", "csrf_token", "caller", "range"}


def _called_globals(template: Path) -> set[str]:
    """Names a template calls that it neither defines as a macro nor imports from another template."""
    tree = Environment(autoescape=True).parse(template.read_text(encoding="utf-8"))
    local = {macro.name for macro in tree.find_all(nodes.Macro)}
    for imported in tree.find_all(nodes.FromImport):
        local |= {name if isinstance(name, str) else name[1] for name in imported.names}
    return {call.node.name for call in tree.find_all(nodes.Call)
            if isinstance(call.node, nodes.Name) and call.node.name not in local}


def test_child_and_meeting_templates_call_no_python_back() -> None:
    templates = sorted([*TEMPLATES.glob("children/*.html"), *TEMPLATES.glob("meetings/*.html")])
    assert len(templates) > 10  # the folders were found
    calls = {template.relative_to(TEMPLATES).as_posix(): _called_globals(template) - FRAMEWORK_CALLS
             for template in templates}
    assert {name: called for name, called in calls.items() if called} == {}


def test_no_per_record_helper_is_registered_on_jinja(app) -> None:  # type: ignore[no-untyped-def]
    removed = {"event_date", "explain", "agreed_values", "safety_statuses", "people_fields", "other_fields",
               "identity_fields", "missing_answers", "filter_words", "candidate_strength", "timeline_x"}
    assert removed & set(app.jinja_env.globals) == set()
