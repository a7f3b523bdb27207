"""The IG blueprint object and its one permission: every view here is for information-governance officers."""

from __future__ import annotations

from flask import Blueprint, current_app

from portal.auth.permissions import roles_required
from portal.ig.flags import FlagThresholds
from portal.limits import limit_refusals

bp = Blueprint("ig", __name__, url_prefix="/ig")
limit_refusals(bp)
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
