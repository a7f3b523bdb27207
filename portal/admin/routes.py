"""The admins' relationships page: list (by child, paged), add, end, and import a CSV.

Every change is written to the audit trail before the admin is told it happened.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.access.roles import RELATIONSHIP_BASES
from portal.admin.forms import RelationshipForm, check_relationship_form
from portal.admin.suggestions import (
    SuggestionCheck,
    allocation_agencies,
    failed_check,
    source_of,
    suggested_relationships,
)
from portal.audit import trail
from portal.auth.permissions import roles_required
from portal.data.relationship_admin import (
    RelationshipError,
    create_relationship,
    end_relationship_now,
    holder_choices,
    page_of_relationships,
    relationship_row,
)
from portal.data.relationship_import import import_relationships_file
from portal.form_refs import BadFormRef, decode_fields, encode_fields
from portal.inputs import InvalidInput, page_number
from portal.limits import limit_refusals
from portal.record.identify import validate_chi
from portal.rendering import render_page

bp = Blueprint("admin", __name__, url_prefix="/admin")
limit_refusals(bp)
PAGE_SIZE = 25
MAX_IMPORT_ERRORS_SHOWN = 50
FILTER_SCOPE = "admin-relationships"  # the child filter's reference opens this list only
EXPIRED_FILTER = "That list has expired or was made in another session: enter the CHI number again"


def _now() -> datetime:
    return datetime.now(UTC)


def _listing(chi: str | None) -> str:
    """The list's address, filtered to one child by an opaque reference: no CHI in the URL."""
    return url_for("admin.relationships", f=encode_fields({"chi": chi}, FILTER_SCOPE) if chi else None)


def _typed_chi() -> tuple[str, str | None]:
    """The CHI the list is filtered by (as typed), and why the filter could not be read, if it could not."""
    ref = request.args.get("f")
    if not ref:
        return "", None
    try:
        return decode_fields(ref, FILTER_SCOPE).get("chi", "").strip(), None
    except BadFormRef:
        return "", EXPIRED_FILTER


def _page(form: RelationshipForm | None = None, import_errors: list[str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    raw_chi, filter_error = _typed_chi()
    chi_filter = validate_chi(raw_chi) if raw_chi else None
    filter_error = chi_filter.reason if chi_filter and not chi_filter.valid else filter_error
    try:
        page, page_error = page_number(request.args.get("page")), None
    except InvalidInput as error:
        page, page_error = 1, str(error)
    child_chi = chi_filter.value if chi_filter and chi_filter.valid else None
    holders = holder_choices()
    holder = request.args.get("holder", "")
    holder = holder if holder in {choice.value for choice in holders} else ""
    listing = page_of_relationships(child_chi, page, PAGE_SIZE, _now(), holder=holder or None)
    suggestions = _check_sources(child_chi) if child_chi else None
    form = form or RelationshipForm()
    errors = {**form.errors, **({"filter-chi": filter_error} if filter_error else {}),
              **({"page": page_error} if page_error else {})}
    if import_errors:
        errors = {**errors, **{f"csv-file-{n}": message for n, message in enumerate(import_errors)}}
    return render_page("admin/relationships.html", listing=listing, form=form, errors=errors,
                       import_errors=import_errors or [], filter_chi=raw_chi, filter_ref=request.args.get("f"),
                       bases=RELATIONSHIP_BASES,
                       holders=holders, filter_holder=holder, suggestions=suggestions,
                       source_labels=_source_labels(), status=status)


@bp.get("/relationships")
@roles_required("admin")
def relationships() -> ResponseReturnValue:
    return _page()


@bp.post("/relationships/filter")
@roles_required("admin")
def filter_relationships() -> ResponseReturnValue:
    """Post/Redirect/Get: the filtered list lives at an address (Back and paging work) carrying no CHI."""
    chi = request.form.get("chi", "").strip()
    holder = request.form.get("holder", "")
    ref = encode_fields({"chi": chi}, FILTER_SCOPE) if chi else None
    return redirect(url_for("admin.relationships", f=ref, holder=holder or None), code=303)


@bp.post("/relationships")
@roles_required("admin")
def add_relationship() -> ResponseReturnValue:
    form = check_relationship_form(request.form)
    if not form.errors and form.starts_at is not None:  # a form without errors always has its start
        try:
            row = create_relationship(child_chi=form.child_chi, basis=form.values["basis"],
                                      holder=form.values["holder"], starts_at=form.starts_at,
                                      ends_at=form.ends_at, source="admin", created_by=current_user.id)
        except RelationshipError as error:
            form.errors["holder" if "hold" in str(error) else "chi"] = str(error).capitalize()
        else:
            _audit("add", row.child_chi, relationship_id=row.id, basis=row.basis, holder_type=row.holder_type)
            flash(f"Relationship added: {row.basis_label}, {row.holder}.", "success")
            return redirect(_listing(row.child_chi))
    return _page(form, status=400)


@bp.post("/relationships/<int:relationship_id>/end")
@roles_required("admin")
def end_relationship(relationship_id: int) -> ResponseReturnValue:
    if request.form.get("confirm") != "yes":  # one click among many must not end access: ask first
        row = relationship_row(relationship_id, _now())
        if row is None:
            abort(404)
        return render_page("admin/end_relationship.html", row=row, back=_listing(row.child_chi))
    try:
        row = end_relationship_now(relationship_id, _now())
    except RelationshipError:
        abort(404)
    _audit("end", row.child_chi, relationship_id=row.id, basis=row.basis, holder_type=row.holder_type)
    flash(f"Relationship ended: {row.basis_label}, {row.holder}.", "success")
    return redirect(_listing(row.child_chi))


@bp.post("/relationships/import")
@roles_required("admin")
def import_relationships() -> ResponseReturnValue:
    upload = request.files.get("csv-file")
    if upload is None or not upload.filename:
        return _page(import_errors=["Choose a CSV file to upload"], status=400)
    # The importer reads a path; the temporary copy is removed whatever happens.
    handle, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as out:
            upload.save(out)
        report = import_relationships_file(path, created_by=current_user.id)
    finally:
        os.unlink(path)
    if not report.ok:
        shown = [f"Line {e.line}: {e.message}" for e in report.errors[:MAX_IMPORT_ERRORS_SHOWN]]
        return _page(import_errors=shown, status=400)
    _audit("import", None, created=report.created, skipped=report.skipped)
    noun = "relationship" if report.created == 1 else "relationships"
    flash(f"Imported {report.created} {noun} ({report.skipped} already recorded).", "success")
    return redirect(url_for("admin.relationships"))


@bp.post("/relationships/suggestions")
@roles_required("admin")
def accept_suggestion() -> ResponseReturnValue:
    """Accept what an agency's system reports, after asking that agency again (the form is only a request)."""
    check = validate_chi(request.form.get("chi", ""))
    if not check.valid or check.value is None:
        abort(400)
    agency = next((a for a in allocation_agencies() if a.key == request.form.get("agency")), None)
    wanted = (request.form.get("user_id", ""), request.form.get("basis", ""))
    current = suggested_relationships(check.value, _now(), [agency]) if agency else SuggestionCheck(())
    suggestion = next((s for s in current.suggestions if (str(s.user_id), s.basis) == wanted), None)
    if agency is None or suggestion is None:
        flash("The social work system no longer reports this, or the relationship is already recorded.", "error")
        return redirect(_listing(check.value))
    source = source_of(agency.key)
    row = create_relationship(child_chi=check.value, basis=suggestion.basis, holder=suggestion.holder,
                              starts_at=_now(), ends_at=None, source=source, created_by=current_user.id)
    _audit("accept_suggestion", row.child_chi, relationship_id=row.id, basis=row.basis, holder_type=row.holder_type,
           source=source)
    flash(f"Relationship added from {agency.name}: {row.basis_label}, {row.holder}.", "success")
    return redirect(_listing(row.child_chi))


def _check_sources(chi: str) -> SuggestionCheck:
    """Asking the agencies about a child is itself audited, once per agency asked, even when it suggests nothing."""
    agencies = allocation_agencies()
    try:
        found = suggested_relationships(chi, _now(), agencies)
    except Exception as error:  # the list must still work when the sources cannot be asked
        current_app.logger.warning("relationship suggestions unavailable (%s)", type(error).__name__)
        found = failed_check(agencies)
    for asked in found.agencies:
        _audit("source_checked", chi, agency=asked.agency, source_state=asked.state, reported=asked.reported,
               suggested=len(asked.suggestions))
    return found


def _source_labels() -> dict[str, str]:
    """'Recorded by' words: an accepted suggestion names its social work system when more than one is configured."""
    agencies = allocation_agencies()
    labels = {"admin": "Administrator", "import": "Import"}
    for agency in agencies:
        labels[source_of(agency.key)] = ("Social work system" if len(agencies) == 1
                                         else f"Social work system ({agency.name})")
    return labels


def _audit(action: str, chi: str | None, **details: object) -> None:
    trail.record("relationship_change", subject_chi=chi, details={"action": action, **details})
