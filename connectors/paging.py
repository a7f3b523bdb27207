"""Following a web source's pages: one loop for every connector that pages (REST `next`, FHIR Bundle links).

Each page is one `get_json` call, so the deadline, retries, response-size cap and timing of
`HttpConnector` apply to every page. A next link is followed only to the configured server, and
only `max_pages` times: a source that keeps sending more is answering malformed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from connectors.base import HttpConnector
from connectors.errors import MalformedResponseError


def follow_pages(connector: HttpConnector, path: str, params: Mapping[str, str] | None, *, deadline: float,
                 endpoint: str, next_link: Callable[[Any], str | None], first: Any = None) -> Iterator[Any]:
    """Yield each page's parsed body in turn; `next_link(body)` says where the next page is (None: the last).

    The caller checks a page's shape when it receives it, before the next page is asked for. `first`,
    if given, is the first page already read (e.g. inside a FHIR batch): it is not asked for again.
    """
    url, query = path, params
    for page in range(connector.http.max_pages):
        body = first if page == 0 and first is not None else connector.get_json(url, query, deadline=deadline,
                                                                                endpoint=endpoint)
        yield body
        link = next_link(body)
        if not link:
            return
        connector.check_same_origin(str(link))
        url, query = str(link), None  # the next link carries the whole query
    raise MalformedResponseError(
        f"{connector.display_name} kept sending more pages than the {connector.http.max_pages} allowed")
