"""Turn FHIR R4 search parameters into store clauses, rejecting what this server does not support.

Semantics follow the FHIR R4 search page for the parameters listed in API.md: repeated
parameters AND together, commas inside one value OR; string parameters match
case-insensitively from the start unless `:exact`; dates take `eq|gt|lt|ge|le` prefixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from sandbox.servers.docstore import Clause

# Resource types whose rows belong to one patient (searchable by `patient`).
PATIENT_SCOPED = (
    "Encounter", "Condition", "AllergyIntolerance", "Immunization", "Flag", "EpisodeOfCare", "CarePlan",
    "Appointment", "Observation", "Procedure", "MedicationRequest", "DiagnosticReport", "Claim",
    "ExplanationOfBenefit",
)
OTHER_TYPES = ("Organization", "Practitioner")
SUPPORTED_TYPES = ("Patient", *PATIENT_SCOPED, *OTHER_TYPES)
# Types whose `status` is a plain code (Condition/AllergyIntolerance use clinicalStatus instead).
PLAIN_STATUS_TYPES = ("Encounter", "Immunization", "Flag", "EpisodeOfCare", "CarePlan", "Appointment", "Observation",
                      "Procedure", "MedicationRequest", "DiagnosticReport")

CONTROL_PARAMS = ("_count", "_getpagesoffset", "_sort", "_format", "_pretty")
DEFAULT_COUNT = 50
MAX_COUNT = 200
DATE_RE = re.compile(
    r"^(eq|gt|lt|ge|le)?(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)


class SearchError(ValueError):
    """A search the server rejects with 400 and an OperationOutcome saying why."""


@dataclass
class ParsedSearch:
    """A search ready to run: clauses, the patient it is scoped to (if any), order and page."""

    clauses: list[Clause] = field(default_factory=list)
    patient_id: str | None = None
    patient_identifier: Clause | None = None  # `patient:identifier=`: the app resolves it to a patient id
    descending: bool = False
    count: int = DEFAULT_COUNT
    offset: int = 0


def allowed_params(resource_type: str) -> tuple[str, ...]:
    """The search parameters this server supports for one type (also listed in the CapabilityStatement)."""
    if resource_type == "Patient":
        return ("_id", "identifier", "family", "given", "birthdate", "gender")
    if resource_type in OTHER_TYPES:
        return ("_id",)
    params = ["_id", "patient", "subject", "date"]
    if resource_type == "Appointment":
        params.append("actor")
    if resource_type in PLAIN_STATUS_TYPES:
        params.append("status")
    return tuple(params)


def parse_search(resource_type: str, args: MultiDict[str, str], chi_systems: tuple[str, ...]) -> ParsedSearch:
    """Parse a query string for one resource type, or raise SearchError."""
    allowed = allowed_params(resource_type)
    search = _parse_control(args)
    for raw_name, value in args.items(multi=True):
        name, _, modifier = raw_name.partition(":")
        if name in CONTROL_PARAMS:
            continue
        if name not in allowed or not _modifier_allowed(name, modifier):
            raise SearchError(f"unsupported search parameter {raw_name!r} for {resource_type}")
        if not value:
            raise SearchError(f"empty value for search parameter {name!r}")
        if modifier == "identifier":
            search.patient_identifier = _identifier(value, chi_systems)
        elif name in ("patient", "subject", "actor"):
            _scope_to_patient(search, _patient_ref(name, value))
        else:
            search.clauses.append(_clause(name, value, modifier, chi_systems))
    return search


def _modifier_allowed(name: str, modifier: str) -> bool:
    if not modifier:
        return True
    if modifier == "exact":
        return name in ("family", "given")
    # A chained search on the patient's identifier (UK Core medicines guidance uses it).
    return modifier == "identifier" and name in ("patient", "subject")


def _parse_control(args: MultiDict[str, str]) -> ParsedSearch:
    search = ParsedSearch()
    try:
        search.count = min(int(args.get("_count", DEFAULT_COUNT)), MAX_COUNT)
        search.offset = int(args.get("_getpagesoffset", 0))
    except ValueError as e:
        raise SearchError("_count and _getpagesoffset must be whole numbers") from e
    if search.count < 0 or search.offset < 0:
        raise SearchError("_count and _getpagesoffset must not be negative")
    sort = args.get("_sort", "date")
    if sort not in ("date", "-date"):
        raise SearchError(f"unsupported _sort {sort!r}: use date or -date")
    search.descending = sort == "-date"
    fmt = args.get("_format", "json")
    if fmt not in ("json", "application/json", "application/fhir+json"):
        raise SearchError("only JSON is supported (_format=json)")
    return search


def _scope_to_patient(search: ParsedSearch, patient_id: str) -> None:
    if search.patient_id not in (None, patient_id):
        search.clauses.append(Clause("0"))  # two different patients: nothing can match both
    search.patient_id = patient_id


def _patient_ref(name: str, value: str) -> str:
    """`123`, `Patient/123` or an absolute `…/Patient/123` -> `123`."""
    if "," in value:
        raise SearchError(f"{name} takes one reference")
    parts = value.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != "Patient":
        raise SearchError(f"{name} must reference a Patient")
    if len(parts) == 1 and name == "actor":
        raise SearchError("actor must be a typed reference, e.g. Patient/123")
    return parts[-1]


def _clause(name: str, value: str, modifier: str, chi_systems: tuple[str, ...]) -> Clause:
    values = value.split(",")
    if name == "_id":
        return Clause(f"id IN ({', '.join('?' * len(values))})", values)
    if name == "gender":
        return Clause(f"json_extract(json, '$.gender') IN ({', '.join('?' * len(values))})", values)
    if name == "status":
        return Clause(f"json_extract(json, '$.status') IN ({', '.join('?' * len(values))})", values)
    if name == "identifier":
        return _any_of([_identifier(v, chi_systems) for v in values])
    if name in ("family", "given"):
        return _any_of([_name(name, v, exact=modifier == "exact") for v in values])
    column = "json_extract(json, '$.birthDate')" if name == "birthdate" else "sort_date"
    return _any_of([_date(column, v) for v in values])


def _any_of(clauses: list[Clause]) -> Clause:
    # A match holds one of the keys of the clause it matched, so the union of keys narrows the OR.
    keys = None if any(c.keys is None for c in clauses) else tuple(k for c in clauses for k in c.keys or ())
    return Clause(" OR ".join(f"({c.sql})" for c in clauses), [p for c in clauses for p in c.params], keys)


def _identifier(token: str, chi_systems: tuple[str, ...]) -> Clause:
    system, bar, code = token.partition("|")
    if not bar:
        system, code = "", token
    base = "EXISTS (SELECT 1 FROM json_each(records.json, '$.identifier') i WHERE json_extract(i.value, '$.value') = ?"
    if not system:
        return Clause(base + ")", [code], keys=(code,))
    # Either CHI system URI finds a CHI, whichever one the record was stored under.
    systems = list(chi_systems) if system in chi_systems else [system]
    placeholders = ", ".join("?" * len(systems))
    return Clause(base + f" AND json_extract(i.value, '$.system') IN ({placeholders}))", [code, *systems],
                  keys=(code,))


def _name(part: str, value: str, *, exact: bool) -> Clause:
    if part == "family":
        source, target = "json_each(records.json, '$.name') n", "json_extract(n.value, '$.family')"
    else:
        source, target = "json_each(records.json, '$.name') n, json_each(n.value, '$.given') g", "g.value"
    if exact:
        return Clause(f"EXISTS (SELECT 1 FROM {source} WHERE {target} = ?)", [value])
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Clause(f"EXISTS (SELECT 1 FROM {source} WHERE {target} LIKE ? ESCAPE '\\')", [escaped + "%"])


def _date(column: str, value: str) -> Clause:
    match = DATE_RE.match(value)
    if not match:
        raise SearchError(f"not a FHIR date search value: {value!r}")
    prefix, when = match.group(1) or "eq", match.group(2)
    # ISO strings compare in time order; comparing the prefix of the stored value treats `when` as a whole period.
    head = f"substr({column}, 1, {len(when)})"
    sql = {"eq": f"{head} = ?", "ge": f"{column} >= ?", "gt": f"{head} > ?", "lt": f"{column} < ?",
           "le": f"{head} <= ?"}[prefix]
    return Clause(f"{column} IS NOT NULL AND {sql}", [when])
