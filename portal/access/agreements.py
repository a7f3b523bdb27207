"""Information sharing agreements: the clauses that let one agency's data reach another.

The agreements file (`config/agreements.toml`) is configuration, validated when
the portal starts: a mistake there must stop the portal with a message naming
the file, the line and the problem, never silently share more or less.

Each `[[agreement]]` block is one clause of an ISP/DSA: data from one source
agency, to requesting agencies and roles, for purposes, at labels N and/or R.
V (very restricted) is never granted by a clause; only the owning team named in
`[source.<agency>]` sees V items from that source.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from connectors.agencies import AgencyDirectory
from connectors.models import LABEL_NORMAL, LABEL_RESTRICTED
from portal.access.purposes import PURPOSES
from portal.access.roles import ROLES
from portal.access.toml_lines import Block, TomlLineIndex
from portal.agencies import configured_agencies

log = logging.getLogger(__name__)

GRANTABLE_LABELS = (LABEL_NORMAL, LABEL_RESTRICTED)

_REQUIRED_KEYS = (
    "source",
    "reference",
    "review_date",
    "requesting_agencies",
    "roles",
    "categories",
    "purposes",
    "labels",
)
_OPTIONAL_KEYS = ("clause", "title", "restricted_roles", "break_glass", "reveal_restricted")
_SOURCE_KEYS = ("owning_team",)


class AgreementError(ValueError):
    """The agreements file cannot be used; the message names the file, line(s) and problem(s)."""

    def __init__(self, path: str, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.problems = sorted(problems)
        super().__init__("\n".join(f"{path}, line {line}: {problem}" for line, problem in self.problems))


@dataclass(frozen=True)
class Clause:
    """One clause of a sharing agreement, as written in the file."""

    source: str
    reference: str
    review_date: date
    requesting_agencies: frozenset[str]
    roles: frozenset[str]
    categories: frozenset[str]
    purposes: frozenset[str]
    labels: frozenset[str]
    restricted_roles: frozenset[str] = frozenset()
    break_glass: bool = False
    reveal_restricted: bool = False
    clause: str = ""
    title: str = ""
    line: int = 0

    @property
    def ref(self) -> str:
        """The citation shown to users and written to the audit trail, e.g. 'ISP-FIFE-CP-2025/3 §4.2'."""
        return f"{self.reference} §{self.clause}" if self.clause else self.reference

    def covers(self, agency: str, role: str, purpose: str) -> bool:
        """Does this clause speak to this requesting agency, role and purpose?"""
        return agency in self.requesting_agencies and role in self.roles and purpose in self.purposes

    def grants_restricted_to(self, role: str) -> bool:
        """May this role receive R items under this clause (given a relationship)?"""
        return LABEL_RESTRICTED in self.labels and role in self.restricted_roles


@dataclass(frozen=True)
class Agreements:
    """Every clause in the file, the owning team of each source, and warnings found on loading."""

    clauses: tuple[Clause, ...]
    owning_teams: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[str, ...] = ()
    path: str = ""
    # The configured agencies the clauses were checked against: the policy decides over exactly these.
    agencies: AgencyDirectory = field(default_factory=AgencyDirectory)

    def for_source(self, agency: str) -> tuple[Clause, ...]:
        """Clauses sharing this source agency's data, in file order."""
        return tuple(c for c in self.clauses if c.source == agency)

    def owning_team(self, agency: str) -> str | None:
        """The team that owns a source's very restricted items (and is the contact for restricted notices)."""
        return self.owning_teams.get(agency)


def load_agreements(path: str | Path, *, today: date | None = None,
                    agencies: AgencyDirectory | None = None) -> Agreements:
    """Read and validate an agreements file against the configured agencies (default: the app's, else those of
    config/connectors.toml); raises AgreementError naming file, line and problem."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AgreementError(label, [(1, f"cannot read the agreements file ({e.__class__.__name__})")]) from e
    return parse_agreements(text, label, today=today, agencies=agencies)


def parse_agreements(text: str, path: str, *, today: date | None = None,
                     agencies: AgencyDirectory | None = None) -> Agreements:
    """Validate agreements given as TOML text; `path` is only used in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise AgreementError(path, [_syntax_problem(e)]) from e
    directory = agencies if agencies is not None else configured_agencies()
    validator = _Validator(data, TomlLineIndex(text), directory)
    agreements = validator.run()
    if validator.problems:
        raise AgreementError(path, validator.problems)
    warnings = tuple(
        f"{path}, line {c.line}: agreement {c.ref} passed its review date {c.review_date.isoformat()}"
        for c in agreements.clauses
        if c.review_date < (today or date.today())
    )
    for warning in warnings:
        log.warning("%s", warning)
    return Agreements(agreements.clauses, agreements.owning_teams, warnings, path, directory)


def _syntax_problem(error: tomllib.TOMLDecodeError) -> tuple[int, str]:
    """tomllib puts '(at line N, column M)' in its message; lift the line out of it."""
    message = str(error)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(found.group(1)) if found else 1
    problem = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    return line, f"TOML syntax error: {problem}"


class _Validator:
    """Turns parsed TOML into clauses, collecting every problem with its line."""

    def __init__(self, data: dict[str, Any], lines: TomlLineIndex, agencies: AgencyDirectory) -> None:
        self.data = data
        self.lines = lines
        self.agencies = agencies
        self.known = agencies.keys
        self.problems: list[tuple[int, str]] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def run(self) -> Agreements:
        for key in self.data:
            if key not in ("agreement", "source"):
                self.problem(self.lines.key_line(("", None), key), f"unknown top-level key {key!r}")
        blocks = self.data.get("agreement", [])
        if not isinstance(blocks, list) or not blocks:
            self.problem(1, "no [[agreement]] blocks: the file must define at least one clause")
            blocks = []
        clauses = [self.clause(block, ("agreement", index)) for index, block in enumerate(blocks)]
        owning_teams = self.sources(self.data.get("source", {}))
        return Agreements(tuple(c for c in clauses if c is not None), MappingProxyType(owning_teams))

    def sources(self, table: Any) -> dict[str, str]:
        teams: dict[str, str] = {}
        if not isinstance(table, dict):
            self.problem(self.lines.key_line(("", None), "source"), "'source' must be a table of [source.<agency>]")
            return teams
        for agency, settings in table.items():
            block: Block = (f"source.{agency}", None)
            if agency not in self.agencies:
                self.problem(self.lines.header_line(block), self.unknown_agency(agency))
                continue
            for key in settings:
                if key not in _SOURCE_KEYS:
                    self.problem(self.lines.key_line(block, key), f"unknown key {key!r} in [source.{agency}]")
            team = settings.get("owning_team")
            if not isinstance(team, str) or not team.strip():
                self.problem(self.lines.key_line(block, "owning_team"), "missing key 'owning_team' (a team name)")
            else:
                teams[agency] = team.strip()
        return teams

    def clause(self, raw: Any, block: Block) -> Clause | None:
        header = self.lines.header_line(block)
        if not isinstance(raw, dict):
            self.problem(header, "each [[agreement]] must be a table")
            return None
        before = len(self.problems)
        for key in raw:
            if key not in _REQUIRED_KEYS and key not in _OPTIONAL_KEYS:
                self.problem(self.lines.key_line(block, key), f"unknown key {key!r} in [[agreement]]")
        for key in _REQUIRED_KEYS:
            if key not in raw:
                self.problem(header, f"missing key {key!r} in [[agreement]]")
        if len(self.problems) > before:
            return None
        source = self.source(raw, block)
        reference = self.text(raw, block, "reference")
        review_date = self.review_date(raw, block)
        agencies = self.members(raw, block, "requesting_agencies", self.known, "agency",
                                " (not configured in the connectors file)")
        roles = self.members(raw, block, "roles", ROLES, "role")
        # Categories belong to a source: with an unknown source there is nothing to check them against.
        categories = (
            self.members(raw, block, "categories", self.categories_of(source), "category", f" for source {source!r}")
            if source
            else frozenset()
        )
        purposes = self.members(raw, block, "purposes", tuple(PURPOSES), "purpose")
        labels = self.labels(raw, block)
        restricted_roles = self.restricted_roles(raw, block, roles, labels)
        break_glass = self.flag(raw, block, "break_glass")
        reveal = self.flag(raw, block, "reveal_restricted")
        clause_no = self.text(raw, block, "clause", required=False)
        title = self.text(raw, block, "title", required=False)
        if len(self.problems) > before or source is None or review_date is None:
            return None
        return Clause(
            source=source,
            reference=reference,
            review_date=review_date,
            requesting_agencies=agencies,
            roles=roles,
            categories=categories,
            purposes=purposes,
            labels=labels,
            restricted_roles=restricted_roles,
            break_glass=break_glass,
            reveal_restricted=reveal,
            clause=clause_no,
            title=title,
            line=header,
        )

    def text(self, raw: dict[str, Any], block: Block, key: str, *, required: bool = True) -> str:
        value = raw.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(self.lines.key_line(block, key), f"{key!r} must be a non-empty string")
            return ""
        return value.strip()

    def flag(self, raw: dict[str, Any], block: Block, key: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(self.lines.key_line(block, key), f"{key!r} must be true or false")
            return False
        return value

    def unknown_agency(self, agency: object) -> str:
        return (f"unknown agency {agency!r}: no [agencies.{agency}] table in the connectors file "
                f"(configured: {', '.join(self.known)})")

    def source(self, raw: dict[str, Any], block: Block) -> str | None:
        value = raw["source"]
        if not isinstance(value, str) or value not in self.agencies:
            self.problem(self.lines.key_line(block, "source"), self.unknown_agency(value))
            return None
        return str(value)  # one of `known`

    def categories_of(self, source: str) -> tuple[str, ...]:
        agency = self.agencies.get(source)
        return agency.categories if agency else ()

    def members(
        self, raw: dict[str, Any], block: Block, key: str, known: tuple[str, ...], kind: str, context: str = ""
    ) -> frozenset[str]:
        values = raw.get(key, [])
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            self.problem(self.lines.key_line(block, key), f"{key!r} must be a non-empty list of strings")
            return frozenset()
        for value in values:
            if value not in known:
                self.problem(self.lines.value_line(block, key, value), f"unknown {kind} {value!r}{context} in {key!r}")
        return frozenset(v for v in values if v in known)

    def labels(self, raw: dict[str, Any], block: Block) -> frozenset[str]:
        values = raw.get("labels", [])
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            self.problem(self.lines.key_line(block, "labels"), "'labels' must be a non-empty list such as [\"N\"]")
            return frozenset()
        for value in values:
            if value == "V":
                self.problem(self.lines.value_line(block, "labels", value),
                             "label 'V' cannot be granted by an agreement: only the owning team sees V items")
            elif value not in GRANTABLE_LABELS:
                self.problem(self.lines.value_line(block, "labels", value), f"unknown label {value!r} (use N or R)")
        return frozenset(v for v in values if v in GRANTABLE_LABELS)

    def restricted_roles(
        self, raw: dict[str, Any], block: Block, roles: frozenset[str], labels: frozenset[str]
    ) -> frozenset[str]:
        if "restricted_roles" not in raw:
            # Unless the clause narrows it, every role it names may receive the R items it grants.
            return roles if LABEL_RESTRICTED in labels else frozenset()
        chosen = self.members(raw, block, "restricted_roles", ROLES, "role")
        if LABEL_RESTRICTED not in labels:
            self.problem(self.lines.key_line(block, "restricted_roles"), "'restricted_roles' needs 'R' in 'labels'")
        for role in chosen - roles:
            self.problem(self.lines.value_line(block, "restricted_roles", role),
                         f"restricted role {role!r} is not in this clause's 'roles'")
        return chosen

    def review_date(self, raw: dict[str, Any], block: Block) -> date | None:
        value = raw["review_date"]
        line = self.lines.key_line(block, "review_date")
        if isinstance(value, datetime) or not isinstance(value, date | str):
            self.problem(line, f"bad date {value!r} for 'review_date': write a date like 2027-03-31")
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problem(line, f"bad date {value!r} for 'review_date': write a date like 2027-03-31")
            return None
