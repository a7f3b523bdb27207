"""Opaque child references: what the child's page URL carries instead of a CHI or a name.

A reference is the child's CHI, the purpose of access and any identity links the
practitioner confirmed, encrypted and authenticated (Fernet) with a key derived from
the app's secret and the session's own random key, bound to the signed-in user and dying
with the session. Nothing is stored server-side, so nothing about the child is kept at rest;
a reference copied to another user or another session, or kept past sign-out or its
lifetime, is useless.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from datetime import date

from cryptography.fernet import Fernet, InvalidToken

from connectors.models import PersonQuery
from portal.record.merge_resume import Resume, StreamCursor

REFERENCE_LIFETIME_S = 12 * 3600  # never longer than the absolute session lifetime


class BadReference(ValueError):
    """The reference is not one this portal issued to this user, or it has expired."""


@dataclass(frozen=True)
class ChildReference:
    chi: str
    purpose: str
    user_id: int
    confirmed: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (agency, source_id)
    rejected: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # Demographics from the search, so agencies without the CHI can offer candidate records.
    forename: str | None = None
    surname: str | None = None
    birth_date: date | None = None
    postcode: str | None = None

    def query(self) -> PersonQuery:
        return PersonQuery(chi=self.chi, forename=self.forename, surname=self.surname,
                           birth_date=self.birth_date, postcode=self.postcode)

    def with_decision(self, agency: str, source_id: str, confirm: bool) -> ChildReference:
        """A new reference recording the practitioner's confirm/reject of one candidate record."""
        pair = (agency, source_id)
        confirmed = (self.confirmed | {pair}) if confirm else (self.confirmed - {pair})
        rejected = (self.rejected - {pair}) if confirm else (self.rejected | {pair})
        return replace(self, confirmed=frozenset(confirmed), rejected=frozenset(rejected))


def _fernet(secret_key: str, session_key: str) -> Fernet:
    # The session's key is part of the encryption key: a link made in one session cannot even be read in another.
    material = b"child-reference\x00" + secret_key.encode("utf-8") + b"\x00" + session_key.encode("utf-8")
    digest = hashlib.sha256(material).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encode_reference(reference: ChildReference, secret_key: str, session_key: str = "") -> str:
    payload = {
        "c": reference.chi,
        "p": reference.purpose,
        "u": reference.user_id,
        "k": sorted(list(pair) for pair in reference.confirmed),
        "r": sorted(list(pair) for pair in reference.rejected),
        "d": [reference.forename, reference.surname,
              reference.birth_date.isoformat() if reference.birth_date else None, reference.postcode],
    }
    token = _fernet(secret_key, session_key).encrypt(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return token.decode("ascii").rstrip("=")


def decode_reference(token: str, secret_key: str, user_id: int, ttl_s: int = REFERENCE_LIFETIME_S,
                     session_key: str = "") -> ChildReference:
    """The reference, if this portal issued it to `user_id` in the session holding `session_key`, within `ttl_s`.

    BadReference otherwise (another user, another or an ended session, tampered, expired).
    """
    padded = token + "=" * (-len(token) % 4)
    try:
        payload = json.loads(_fernet(secret_key, session_key).decrypt(padded.encode("ascii"), ttl=ttl_s))
        reference = ChildReference(
            chi=str(payload["c"]),
            purpose=str(payload["p"]),
            user_id=int(payload["u"]),
            confirmed=frozenset((str(a), str(s)) for a, s in payload["k"]),
            rejected=frozenset((str(a), str(s)) for a, s in payload["r"]),
            forename=payload["d"][0],
            surname=payload["d"][1],
            birth_date=date.fromisoformat(payload["d"][2]) if payload["d"][2] else None,
            postcode=payload["d"][3],
        )
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError) as error:
        raise BadReference("This link to a child's record is not valid or has expired.") from error
    if reference.user_id != user_id:
        raise BadReference("This link to a child's record was made for someone else.")
    return reference


@dataclass(frozen=True)
class SearchReference:
    """What a results page URL carries instead of the CHI or name searched for: the search, encrypted."""

    query: PersonQuery
    purpose: str
    by_chi: bool
    user_id: int


def encode_search(reference: SearchReference, secret_key: str, session_key: str = "") -> str:
    query = reference.query
    payload = {
        "s": 1,  # marks a search, so a child reference can never be read as one (or the other way round)
        "p": reference.purpose,
        "u": reference.user_id,
        "b": reference.by_chi,
        "q": [query.chi, query.forename, query.surname,
              query.birth_date.isoformat() if query.birth_date else None, query.postcode],
    }
    token = _fernet(secret_key, session_key).encrypt(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return token.decode("ascii").rstrip("=")


def decode_search(token: str, secret_key: str, user_id: int, ttl_s: int = REFERENCE_LIFETIME_S,
                  session_key: str = "") -> SearchReference:
    """The search, if this portal issued the reference to `user_id` in the session holding `session_key`,
    within `ttl_s`; BadReference otherwise (search results die with the session, like child links)."""
    padded = token + "=" * (-len(token) % 4)
    try:
        payload = json.loads(_fernet(secret_key, session_key).decrypt(padded.encode("ascii"), ttl=ttl_s))
        if payload.get("s") != 1:
            raise ValueError("not a search reference")
        chi, forename, surname, born, postcode = payload["q"]
        reference = SearchReference(
            query=PersonQuery(chi=chi, forename=forename, surname=surname,
                              birth_date=date.fromisoformat(born) if born else None, postcode=postcode),
            purpose=str(payload["p"]),
            by_chi=bool(payload["b"]),
            user_id=int(payload["u"]),
        )
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError, AttributeError) as error:
        raise BadReference("This link to search results is not valid or has expired.") from error
    if reference.user_id != user_id:
        raise BadReference("This link to search results was made for someone else.")
    return reference


def encode_page(resume: Resume, binding: str, secret_key: str, session_key: str = "") -> str:
    """The "next page" reference: where each agency's list resumes, bound to one child, user, session and set of
    filters (`binding`). It holds offsets, totals and a date, never record content; encrypted like a child link."""
    payload = {
        "w": 1,  # marks a page reference, so it can never be read as a child or search reference
        "b": hashlib.sha256(binding.encode("utf-8")).hexdigest(),
        "n": resume.page,
        "d": resume.day.isoformat() if resume.day else None,
        "e": resume.entries_before,
        "m": resume.matching_before,
        "s": [[c.agency, c.name, c.offset, c.total, c.total_is_events, c.filters_applied] for c in resume.streams],
        "k": list(resume.known) if resume.known else None,
        "a": list(resume.at_least) if resume.at_least else None,
    }
    token = _fernet(secret_key, session_key).encrypt(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return token.decode("ascii").rstrip("=")


def decode_page(token: str, binding: str, secret_key: str, session_key: str = "",
                ttl_s: int = REFERENCE_LIFETIME_S) -> Resume:
    """The resume point, if this portal issued it in this session for the same `binding`; BadReference otherwise."""
    padded = token + "=" * (-len(token) % 4)
    try:
        payload = json.loads(_fernet(secret_key, session_key).decrypt(padded.encode("ascii"), ttl=ttl_s))
        if payload.get("w") != 1:
            raise ValueError("not a page reference")
        same = hmac.compare_digest(str(payload["b"]), hashlib.sha256(binding.encode("utf-8")).hexdigest())
        resume = Resume(
            page=_count(payload["n"], minimum=1),
            day=date.fromisoformat(payload["d"]) if payload["d"] else None,
            entries_before=_count(payload["e"]),
            matching_before=_count(payload["m"]),
            streams=tuple(StreamCursor(str(a), str(n), None if o is None else _count(o),
                                       None if t is None else _count(t), bool(te), bool(fa))
                          for a, n, o, t, te, fa in payload["s"]),
            known=_known(payload["k"]),
            at_least=_at_least(payload.get("a")),
        )
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError, AttributeError) as error:
        raise BadReference("This link to a chronology page is not valid or has expired.") from error
    if not same:
        raise BadReference("This link to a chronology page was made for other filters or another child.")
    return resume


def _known(value: object) -> tuple[int, int, int | None] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError("not three counts")
    return _count(value[0]), _count(value[1]), None if value[2] is None else _count(value[2])


def _at_least(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("not two counts")
    return _count(value[0]), _count(value[1])


def _count(value: object, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError("not a count")
    return value
