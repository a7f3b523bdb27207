"""The period an IG officer chooses: two GOV.UK date inputs, UK calendar days, both inclusive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from portal.ig.flags import uk_local
from portal.ig.forms import read_date, uk_midnight

DEFAULT_DAYS = 90
LONGEST_PERIOD_DAYS = 366 * 3


@dataclass
class Period:
    start: date
    end: date
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        return uk_midnight(self.start)

    @property
    def until(self) -> datetime:
        return uk_midnight(self.end + timedelta(days=1))

    @property
    def args(self) -> dict[str, int]:
        """The period as query arguments, for links that keep it."""
        return {"from-day": self.start.day, "from-month": self.start.month, "from-year": self.start.year,
                "to-day": self.end.day, "to-month": self.end.month, "to-year": self.end.year}

    def describe(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def today_uk() -> date:
    return uk_local(datetime.now(UTC)).date()


def read_period(args: Mapping[str, str]) -> Period:
    """The period in `args` (`from-*`, `to-*`); the last 90 days when none is given, with errors by field id."""
    today = today_uk()
    default = Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
    values = {f"{prefix}-{part}": (args.get(f"{prefix}-{part}") or "").strip()
              for prefix in ("from", "to") for part in ("day", "month", "year")}
    errors: dict[str, str] = {}
    start = read_date(args, "from", "Date from", errors)
    end = read_date(args, "to", "Date to", errors)
    if errors:
        return Period(default.start, default.end, values, errors)
    start = start or default.start
    end = end or (today if start <= today else start)
    if end < start:
        errors["to-day"] = "Date to must be the same as or after date from"
    elif (end - start).days > LONGEST_PERIOD_DAYS:
        errors["to-day"] = "Choose a period of 3 years or less"
    if errors:
        return Period(default.start, default.end, values, errors)
    if not any(values.values()):
        values = {key: str(value) for key, value in Period(start, end).args.items()}
    return Period(start, end, values, errors)
