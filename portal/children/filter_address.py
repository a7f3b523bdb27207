"""The chronology filter's address: the words typed into it travel only as an opaque reference.

A practitioner filters by a sibling's or a parent's name, or a CHI; an address (browser history, proxy and
server logs) must never carry it. The filter form is POSTed; the answer lives at an address that carries the
other controls (dates, agencies, indicators, order: nothing about a person) and, for the words, a reference
(`portal.form_refs`: encrypted, bound to this user and session, expiring with it). Words typed into the
address itself (`q`) are never read. A reference this portal cannot read gives the unfiltered chronology
and says why, and is audited like any other invalid reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from portal.children import audit_events
from portal.children.display import MAX_WORDS_CHARS, WORDS_REF
from portal.form_refs import BadFormRef, decode_fields, encode_fields

WORDS_SCOPE = "chronology-words"  # a words reference filters a child's chronology, nothing else
# The controls an address may carry as they are: none of them can hold a person's name or number.
CONTROLS = frozenset({"agency", "shanarri", "show", "order", "from", "to",
                      *(f"{end}-{part}" for end in ("from", "to") for part in ("day", "month", "year"))})
KEPT_WITHOUT_FILTERS = frozenset({"section"})  # what a printout asks for is not a filter
EXPIRED = ("The words you filtered by have expired or were typed in another session, so the chronology is not "
           "filtered. Choose the filters again")


@dataclass(frozen=True)
class FilterArgs:
    """The controls as `display.parse_params` reads them (`q`: the words, read from their reference)."""

    args: MultiDict[str, str]
    problem: str = ""  # why the address's reference could not be read (the chronology is then unfiltered)

    def errors(self) -> dict[str, str]:
        """The problem as a GOV.UK error on the words box."""
        return {"q": self.problem} if self.problem else {}


def from_address(args: MultiDict[str, str]) -> FilterArgs:
    """The controls an address asks for; the words only from a reference this user made in this session."""
    kept: MultiDict[str, str] = MultiDict([(key, value) for key, value in args.items(multi=True)
                                           if key not in ("q", WORDS_REF)])
    ref = args.get(WORDS_REF, "")
    if not ref:
        return FilterArgs(kept)
    try:
        words = decode_fields(ref, WORDS_SCOPE).get("q", "")
    except BadFormRef as error:
        audit_events.record_invalid_reference("another user's filter words" if "someone else" in str(error) else
                                              "unknown, tampered or expired filter words")
        return FilterArgs(MultiDict([(key, value) for key, value in args.items(multi=True)
                                     if key in KEPT_WITHOUT_FILTERS]), EXPIRED)
    if words:
        kept.add("q", words)
        kept.add(WORDS_REF, ref)
    return FilterArgs(kept)


def from_form(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """The POSTed filter form as an address's query: the controls as typed, the words as a new reference."""
    query: MultiDict[str, str] = MultiDict([(key, value) for key, value in form.items(multi=True)
                                            if key in CONTROLS and value])
    words = form.get("q", "").strip()[:MAX_WORDS_CHARS]
    if words:
        query.add(WORDS_REF, encode_fields({"q": words}, WORDS_SCOPE))
    return query
