"""Which pool a web connector's request goes to: the agency origin's own pool, or the manager for anything else."""

from __future__ import annotations

import urllib3

from connectors.http_transport import OriginRoute


def test_a_request_on_the_agency_origin_goes_to_its_pool_with_path_and_query_only() -> None:
    manager = urllib3.PoolManager()
    route = OriginRoute(manager, "http://127.0.0.1:8103/api/v1")
    pool, target = route("http://127.0.0.1:8103/api/v1/pupils?chi=0101011234")
    assert isinstance(pool, urllib3.HTTPConnectionPool)
    assert (pool.host, pool.port) == ("127.0.0.1", 8103)
    assert target == "/api/v1/pupils?chi=0101011234"
    assert route("http://127.0.0.1:8103/api/v1/pupils/P-1/notes")[0] is pool  # the pool is taken once


def test_another_port_or_host_that_starts_alike_goes_to_the_manager_whole() -> None:
    manager = urllib3.PoolManager()
    route = OriginRoute(manager, "http://127.0.0.1:81/api")
    for url in ("http://127.0.0.1:8103/api/x", "http://127.0.0.1:81.example/api/x", "https://127.0.0.1:81/api/x"):
        assert route(url) == (manager, url)


def test_closing_closes_the_origin_pool_and_a_later_request_opens_another() -> None:
    manager = urllib3.PoolManager()
    route = OriginRoute(manager, "https://agency.example")
    first, _ = route("https://agency.example/fhir/Patient")
    route.close()
    manager.clear()  # as HttpConnector.close does
    assert isinstance(first, urllib3.HTTPConnectionPool) and first.pool is None  # closed: its connections too
    second, _ = route("https://agency.example/fhir/Patient")
    assert isinstance(second, urllib3.HTTPConnectionPool) and second is not first and second.pool is not None


def test_behind_a_proxy_every_request_goes_through_the_proxy_manager() -> None:
    manager = urllib3.ProxyManager("http://127.0.0.1:3128")
    route = OriginRoute(manager, "http://127.0.0.1:8103/api/v1")
    assert route("http://127.0.0.1:8103/api/v1/pupils") == (manager, "http://127.0.0.1:8103/api/v1/pupils")
