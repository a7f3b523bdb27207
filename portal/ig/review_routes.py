"""IG workspace: the break-glass review queue and decisions, and the charts-and-flags dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from portal.audit import trail
from portal.audit.dashboard_queries import dashboard_counts
from portal.audit.entry import RecordedEntry
from portal.audit.models import EventType
from portal.audit.queries import get_entry
from portal.audit.viewer_children import VIEWER_PERIOD_DAYS
from portal.extensions import audit_db
from portal.ig import charts
from portal.ig.blueprint import READ_PURPOSE, bp, flag_thresholds, hmac_key, ig_only
from portal.ig.dashboard_flags import dashboard_flags
from portal.ig.flags import FLAG_TITLES, uk_local
from portal.ig.forms import uk_midnight
from portal.ig.reports import format_uk
from portal.ig.reviews import DECISIONS, build_item, find_review, load_queue, validate_decision
from portal.ig.surnames import surname_hash, surname_of
from portal.rendering import render_page

DASHBOARD_PERIODS = VIEWER_PERIOD_DAYS  # the rollup counts viewers' distinct children ahead for exactly these


@bp.get("/break-glass")
@ig_only
def break_glass_queue() -> ResponseReturnValue:
    open_items, reviewed = load_queue(audit_db)
    trail.record("audit_read", purpose_of_use=READ_PURPOSE,
                    details={"view": "break_glass_queue", "open": len(open_items), "reviewed": len(reviewed)})
    return render_page("ig/break_glass_queue.html", open_items=open_items, reviewed=reviewed, format_uk=format_uk,
                       decisions=DECISIONS)


def _start_or_404(sequence: int) -> RecordedEntry:
    start = get_entry(audit_db, sequence)
    if start is None or start.event_type != EventType.BREAK_GLASS_START.value:
        abort(404)
    return start


def _render_item(start: RecordedEntry, values: dict[str, str], errors: dict[str, str], status: int = 200
                 ) -> ResponseReturnValue:
    item = build_item(audit_db, start, find_review(audit_db, start.sequence))
    trail.record("audit_read", purpose_of_use=READ_PURPOSE, subject_chi=start.subject_chi,
                    related_sequence=start.sequence, details={"view": "break_glass_item"})
    return render_page("ig/break_glass_item.html", item=item, values=values, errors=errors, status=status,
                       format_uk=format_uk, decisions=DECISIONS)


@bp.get("/break-glass/<int:sequence>")
@ig_only
def break_glass_item(sequence: int) -> ResponseReturnValue:
    return _render_item(_start_or_404(sequence), {}, {})


@bp.post("/break-glass/<int:sequence>/review")
@ig_only
def review_break_glass(sequence: int) -> ResponseReturnValue:
    start = _start_or_404(sequence)
    if find_review(audit_db, sequence) is not None:
        flash("This break-glass access has already been reviewed.", "error")
        return redirect(url_for("ig.break_glass_item", sequence=sequence))
    values, errors = validate_decision(request.form)
    if errors:
        return _render_item(start, values, errors, status=400)
    trail.record("break_glass_review", purpose_of_use=READ_PURPOSE, subject_chi=start.subject_chi,
                    related_sequence=sequence,
                    details={"decision": values["decision"], "note": values["note"], "reviewed_user": start.user_id})
    flash(f"Review recorded: {DECISIONS[values['decision']].lower()}.", "success")
    return redirect(url_for("ig.break_glass_queue"))


def _viewer_surname_hash(display_name: str) -> str | None:
    surname = surname_of(display_name)
    return surname_hash(surname, hmac_key()) if surname else None


def _period() -> int:
    try:
        days = int(request.args.get("days", "30"))
    except ValueError:
        return 30
    return days if days in DASHBOARD_PERIODS else 30


@bp.get("/dashboard")
@ig_only
def dashboard() -> ResponseReturnValue:
    days_count = _period()
    today = uk_local(datetime.now(UTC)).date()
    days = charts.day_range(today - timedelta(days=days_count - 1), days_count)
    since, until = uk_midnight(days[0]), uk_midnight(days[-1] + timedelta(days=1))
    counts = dashboard_counts(audit_db, since, until)
    flags, loaded = dashboard_flags(audit_db, since, until, flag_thresholds(), hmac_key(), _viewer_surname_hash)
    trail.record("audit_read", purpose_of_use=READ_PURPOSE,
                 details={"view": "dashboard", "days": days_count, "flag_candidates": loaded,
                          "flags": {kind: found.total for kind, found in flags.items()}})
    chart_list = [
        charts.stacked_day_chart(
            "views-by-agency", "Views per day by agency",
            f"Stacked bars: successful views of children on each of the last {days_count} days, "
            "split by the viewer's agency.", days, charts.views_per_day(counts.views_by_day_agency, days),
            "views"),
        charts.stacked_day_chart(
            "break-glass", "Break-glass over time",
            f"Bars: break-glass accesses started on each of the last {days_count} days.", days,
            {"break-glass": charts.per_day(counts.break_glass_by_day, days)}, "starts"),
        charts.ranked_bar_chart(
            "top-users", "Top users by views",
            f"Horizontal bars: the ten users with the most views in the last {days_count} days.",
            counts.top_users, ("User", "Views")),
    ]
    return render_page("ig/dashboard.html", charts=chart_list, flags=flags, flag_titles=FLAG_TITLES,
                       days_count=days_count, periods=DASHBOARD_PERIODS)
