"""The IG blueprint object and its one permission: every view here is for information-governance officers."""

from __future__ import annotations

from flask import Blueprint, current_app

from portal.auth.permissions import roles_required
from portal.ig.chart_markup import bar_rects, table_rows
from portal.ig.flags import FlagThresholds
from portal.limits import limit_refusals

bp = Blueprint("ig", __name__, url_prefix="/ig")
limit_refusals(bp)
# The chart macro (IG dashboard, transparency flows) draws its many bars and table rows with these.
bp.add_app_template_global(bar_rects, "chart_bar_rects")
bp.add_app_template_global(table_rows, "chart_table_rows")
ig_only = roles_required("ig_officer")
READ_PURPOSE = "HOPERAT"  # HL7 ActReason for healthcare operations: IG review of the trail
SAR_PURPOSE = "PATRQT"  # patient (here: child or family) requested: a subject access request


def hmac_key() -> str:
    return str(current_app.config["AUDIT_HMAC_KEY"])


def flag_thresholds() -> FlagThresholds:
    """Thresholds from app config where set (IG_MANY_CHILDREN, IG_REFUSALS_PER_DAY), else the defaults."""
    defaults = FlagThresholds()
    return FlagThresholds(
        many_children=int(current_app.config.get("IG_MANY_CHILDREN", defaults.many_children)),
        refusals_per_day=int(current_app.config.get("IG_REFUSALS_PER_DAY", defaults.refusals_per_day)),
    )
