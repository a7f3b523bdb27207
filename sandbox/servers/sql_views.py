"""SQL that swaps a social work table for a faulty view of itself (shared by SQLite and PostgreSQL).

The real table is renamed to `<table>__sandbox_real` and a view takes its name, so a
connector's unchanged queries now read the fault. Clearing drops the view and renames back.
"""

from __future__ import annotations

REAL_SUFFIX = "__sandbox_real"
BAD_DATE_PREFIX = "31/02/"  # neither ISO 8601 nor a real day: no date parser accepts it


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def wrong_child_view(qualified: str, real: str, people: str, columns: list[str], target: str | None) -> str:
    """A view filing, under each person's id, the rows of a different person (a broken link or join).

    `person_id` (the key a reader looks rows up by) is relabelled; every other column, including
    `subject_person_id` (whom the record says it is about), stays the other person's, as it would
    in a real case system that mis-files records. A reader that checks whose rows it got can tell.
    By default "different" is the next person (in id order, wrapping round) who has rows in
    the table; with `target`, every person sees the target's rows.
    """
    picked = ", ".join("p.person_id AS person_id" if c == "person_id" else f"r.{c} AS {c}" for c in columns)
    if target is not None:
        other = quote_literal(target)
    else:
        other = (f"COALESCE((SELECT MIN(x.person_id) FROM {real} x WHERE x.person_id > p.person_id), "
                 f"(SELECT MIN(y.person_id) FROM {real} y))")
    return (f"CREATE VIEW {qualified} AS SELECT {picked} FROM {people} p JOIN {real} r "
            f"ON r.person_id = {other} WHERE r.person_id <> p.person_id")


def malformed_view(qualified: str, real: str, columns: list[str]) -> str:
    """A view of the table whose date columns hold unparseable text (NULLs stay NULL)."""
    def column(c: str) -> str:
        if not is_date_column(c):
            return c
        return f"CASE WHEN {c} IS NULL THEN NULL ELSE '{BAD_DATE_PREFIX}' || substr({c}, 1, 4) END AS {c}"

    return f"CREATE VIEW {qualified} AS SELECT {', '.join(column(c) for c in columns)} FROM {real}"


def is_date_column(name: str) -> bool:
    return name == "date" or name.endswith("_date")
