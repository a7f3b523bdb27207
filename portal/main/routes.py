"""Home page: who you are signed in as, and where to go next."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from portal.rendering import render_page

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    return render_page("main/home.html", user=current_user)
