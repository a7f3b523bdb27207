"""Children's Reporter records: referrals and grounds, hearings, orders."""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.cohort.model import Child
from sandbox.stores.records import StoreRecord

# Section 67(2) grounds used by the stories (paraphrased).
GROUNDS = {
    "a": "s67(2)(a) lack of parental care likely to cause unnecessary suffering or harm",
    "e": "s67(2)(e) child is being, or is likely to be, exposed to persons likely to harm the child",
    "f": "s67(2)(f) child has, or is likely to have, a close connection with a person who has carried out "
         "domestic abuse",
    "j": "s67(2)(j) child has committed an offence",
    "o": "s67(2)(o) child has failed without reasonable excuse to attend school regularly",
    "n": "s67(2)(n) child's conduct has had, or is likely to have, a serious adverse effect on health, "
         "safety or development",
}


class ScraRecords:
    """Collects SCRA children, referrals, hearings and orders."""

    def __init__(self) -> None:
        self.records: list[StoreRecord] = []
        self._counters: dict[str, int] = {}

    def child(self, child: Child, *, postcode: str | None = None) -> str:
        """Create (once) the SCRA child record and return its child_id."""
        if "scra" in child.ids:
            return child.ids["scra"]
        child_id = f"SCRA-{self._next('child'):05d}"
        child.ids["scra"] = child_id
        forename, surname = child.name_in("scra")
        item = {"child_id": child_id, "chi": child.chi_in("scra"), "forename": forename, "surname": surname,
                "dob": child.birth_date.isoformat(), "postcode": postcode or child.postcode,
                "security_label": "N"}
        self.records.append(StoreRecord("children", child_id, child_id, None, item))
        return child_id

    def referral(self, child: Child, received: date, source: str, grounds: tuple[str, ...], decision: str,
                 decided: date, label: str = "N") -> str:
        """A referral to the Reporter with its grounds (keys of GROUNDS) and the Reporter's decision."""
        return self._item(child, "referrals", "REF", received, {
            "received_date": received.isoformat(), "source": source, "grounds": [GROUNDS[g] for g in grounds],
            "decision": decision, "decision_date": decided.isoformat(), "security_label": label,
        }, "referral_id")

    def hearing(self, child: Child, when: date, hearing_type: str, outcome: str, label: str = "N") -> str:
        """A children's hearing or pre-hearing panel."""
        return self._item(child, "hearings", "HRG", when, {
            "hearing_date": when.isoformat(), "hearing_type": hearing_type, "outcome": outcome,
            "security_label": label,
        }, "hearing_id")

    def order(self, child: Child, order_type: str, start: date, review: date, conditions: tuple[str, ...], *,
              end: date | None = None, non_disclosure: bool = False, label: str = "N") -> str:
        """A CSO, ICSO or CPO with its conditions."""
        return self._item(child, "orders", "ORD", start, {
            "order_type": order_type, "start_date": start.isoformat(),
            "end_date": end.isoformat() if end else None, "review_date": review.isoformat(),
            "conditions": list(conditions), "non_disclosure_of_address": non_disclosure, "security_label": label,
        }, "order_id")

    def _item(self, child: Child, collection: str, prefix: str, when: date, body: dict[str, Any],
              id_field: str) -> str:
        child_id = self.child(child)
        item_id = f"{prefix}-{self._next(collection):06d}"
        self.records.append(StoreRecord(collection, item_id, child_id, when.isoformat(), {id_field: item_id, **body}))
        return item_id

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]
