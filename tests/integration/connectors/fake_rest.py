"""Fake education (API key) and police (OAuth2 client credentials) systems speaking sandbox/API.md."""

from __future__ import annotations

import itertools
from typing import Any

from tests.integration.connectors.fake_agency import FakeAgency, Reply, Request, page

PAGE_SIZE = 2  # small, so every collection of the known child spans several pages

PUPILS = [
    {"pupil_id": "pup-1", "scn": "180000019", "chi": "1503741206", "forename": "Ailsa", "surname": "Fakename",
     "dob": "2016-03-15", "sex": "F", "postcode": "EH1 1AA", "school": "Leith Primary", "stage": "P4",
     "named_person": {"name": "J Head", "role": "Head teacher", "school": "Leith Primary"},
     "asn": {"has_asn": True, "reasons": ["dyslexia"], "plan_type": "IEP"}, "looked_after": False,
     "updated_at": "2026-09-01T09:00:00Z"},
    {"pupil_id": "pup-2", "scn": "180000027", "chi": None, "forename": "Bryony", "surname": "Othername",
     "dob": "2015-01-02", "sex": "F", "postcode": "EH2 2BB", "school": "Leith Primary", "stage": "P5",
     "named_person": {"name": "J Head", "role": "Head teacher", "school": "Leith Primary"},
     "asn": {"has_asn": False, "reasons": [], "plan_type": None}, "looked_after": False,
     "updated_at": "2026-09-01T09:00:00Z"},
]


def _week(start: str, possible: int, attended: int) -> dict[str, Any]:
    return {"week_start": start, "possible_openings": possible, "attended_openings": attended, "absences": []}


EDUCATION_ITEMS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "pup-1": {
        "attendance": [_week("2026-09-07", 10, 10), _week("2026-09-14", 10, 6), _week("2026-09-21", 10, 9)],
        "exclusions": [{"exclusion_id": "ex-1", "start_date": "2026-10-02", "end_date": "2026-10-03",
                        "openings_lost": 4, "reason": "Physical assault on a pupil", "action": "Parent meeting",
                        "security_label": "N"}],
        "notes": [
            {"note_id": f"n-{i}", "date": f"2026-10-{10 + i}", "title": f"Pastoral note {i}",
             "summary": "Upset at drop-off.", "significant": i % 2 == 0, "shanarri": ["nurtured"],
             "action": "Check-in with guidance teacher", "author_role": "Class teacher",
             "security_label": "R" if i == 2 else "N", "sealed": i == 4}
            for i in range(5)
        ],
    },
    "pup-2": {
        "attendance": [_week("2026-09-07", 10, 3)],
        "exclusions": [],
        "notes": [{"note_id": "n-other", "date": "2026-10-01", "title": "Other child's note", "summary": "x",
                   "significant": True, "shanarri": [], "action": None, "author_role": "Teacher",
                   "security_label": "N", "sealed": False}],
    },
}

SUBJECTS = [
    {"subject_id": "sub-1", "chi": None, "forename": "Ailsa", "surname": "Fakename", "dob": "2016-03-15",
     "postcode": "EH1 1AA", "cp_flag": True},
    {"subject_id": "sub-2", "chi": None, "forename": "Bryony", "surname": "Othername", "dob": "2015-01-02",
     "postcode": "EH2 2BB", "cp_flag": False},
]

CONCERNS: dict[str, list[dict[str, Any]]] = {
    "sub-1": [
        {"report_id": f"cr-{i}", "incident_date": f"2026-0{i + 1}-11", "incident_time": "22:10",
         "incident_type": "Domestic abuse", "shanarri": ["safe"], "summary": "Officers attended a disturbance.",
         "cp_flag": True, "shared_with": ["social work"], "action": "Shared with social work",
         "views_sought": False, "significant": True, "security_label": "N", "sealed": False}
        for i in range(3)
    ],
    "sub-2": [{"report_id": "cr-other", "incident_date": "2026-01-01", "incident_time": "10:00",
               "incident_type": "Missing person", "shanarri": ["safe"], "summary": "x", "cp_flag": False,
               "shared_with": [], "action": None, "views_sought": False, "significant": True,
               "security_label": "N", "sealed": False}],
}


class _ListingAgency(FakeAgency):
    """Shared person search and per-person collections with paging and faults."""

    people: list[dict[str, Any]]
    people_key: str
    id_key: str
    collections: dict[str, dict[str, list[dict[str, Any]]]]
    prefix: str

    def route(self, request: Request) -> Reply:
        parts = request.path.removeprefix(self.prefix).strip("/").split("/")
        if len(parts) == 1 and parts[0] == self.people_key:
            return self._search(request)
        if len(parts) == 3 and parts[0] == self.people_key and parts[2] in self.collections:
            return self._collection(request, parts[2], parts[1])
        return Reply(404, {"error": "not found"})

    def _search(self, request: Request) -> Reply:
        q = request.query
        if "chi" in q:
            found = [p for p in self.people if p.get("chi") == q["chi"]]
        elif "scn" in q:
            found = [p for p in self.people if p.get("scn") == q["scn"]]
        else:
            found = [p for p in self.people if p["surname"].lower() == q.get("surname", "").lower()
                     and p["dob"] == q.get("dob")]
        items, next_url = page(found, request, self.origin, default_size=PAGE_SIZE)
        return Reply(200, {self.people_key: items, "next": next_url})

    def _collection(self, request: Request, name: str, person_id: str) -> Reply:
        if self.fault == "wrong_child":
            other = next(p[self.id_key] for p in self.people if p[self.id_key] != person_id)
            source_items = self.collections[name].get(other, [])
            owner = other
        else:
            source_items, owner = self.collections[name].get(person_id, []), person_id
        visible = [{**{k: v for k, v in i.items() if k != "sealed"}, self.id_key: owner}
                   for i in source_items if not i.get("sealed")]
        items, next_url = page(visible, request, self.origin, default_size=PAGE_SIZE)
        if self.fault == "page_forever":
            next_url = f"{self.origin}{request.path}?page={int(request.query.get('page', 1)) + 1}"
        body: dict[str, Any] = {"items": items, "next": next_url}
        if len(visible) < len(source_items):
            body["restricted_notice"] = "Further information is held. Contact the school's named person."
        return Reply(200, body)


class EducationAgency(_ListingAgency):
    """SEEMiS-like pupil API behind an API key."""

    people, people_key, id_key, prefix = PUPILS, "pupils", "pupil_id", "/api/v1"
    collections = {name: {pid: items[name] for pid, items in EDUCATION_ITEMS.items()}
                   for name in ("attendance", "exclusions", "notes")}

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key

    def authorised(self, request: Request) -> bool:
        return request.headers.get("x-api-key") == self.api_key


class PoliceAgency(_ListingAgency):
    """Concern hub behind OAuth2 client credentials; tokens can be revoked to imitate expiry."""

    people, people_key, id_key, prefix = SUBJECTS, "subjects", "subject_id", "/api"
    collections = {"concerns": CONCERNS}

    def __init__(self, client_id: str, client_secret: str, token_ttl_s: int = 300) -> None:
        super().__init__()
        self.token_ttl_s = token_ttl_s
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.token_requests = 0
        self._counter = itertools.count(1)

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def handle(self, request: Request) -> Reply | None:
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        return super().handle(request)

    def _token(self, request: Request) -> Reply:
        self.token_requests += 1
        form = request.form
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret):
            return Reply(401, {"error": "invalid_client"})
        token = f"token-{next(self._counter)}"
        self.tokens.add(token)
        self.tokens_issued += 1
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_s})

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header.removeprefix("Bearer ") in self.tokens
