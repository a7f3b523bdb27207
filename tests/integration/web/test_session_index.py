"""The per-user index of live sessions, on both stores: nothing lost under concurrent sign-ins, ended means gone."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cachelib.file import FileSystemCache

from portal.auth.session_store import FileSessionIndex, RedisSessionIndex, SessionIndex
from tests.support.redis import redis_session_settings

PREFIX_DATA = {"_user_id": "7", "last_seen": 1}


@pytest.fixture(params=["filesystem", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SessionIndex, object, str]]:
    """(index, a client that writes session data as Flask-Session would, key prefix)."""
    if request.param == "filesystem":
        cache = FileSystemCache(str(tmp_path), threshold=0)
        yield FileSessionIndex(cache, tmp_path, "p:", 3600), cache, "p:"
        return
    import redis

    with redis_session_settings() as settings:
        client = redis.Redis.from_url(settings["REDIS_URL"])
        prefix = settings["SESSION_KEY_PREFIX"]
        yield RedisSessionIndex(client, prefix, 3600), client, prefix
        client.close()


def _save(client: object, key: str) -> None:
    client.set(key, b"data")  # type: ignore[attr-defined]


def test_concurrent_sign_ins_of_one_user_are_all_indexed(store) -> None:  # type: ignore[no-untyped-def]
    index, client, prefix = store
    sids = [secrets.token_urlsafe(32) for _ in range(24)]
    for sid in sids:
        _save(client, prefix + sid)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda sid: index.add(7, sid), sids))
    assert index.sids_for(7) == set(sids)
    assert all(index.is_live(7, sid) for sid in sids)
    assert not index.is_live(8, sids[0])  # another user's index knows nothing of them


def test_ending_a_session_removes_it_and_its_data(store) -> None:  # type: ignore[no-untyped-def]
    index, client, prefix = store
    kept, ended = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    for sid in (kept, ended):
        _save(client, prefix + sid)
        index.add(7, sid)
    assert index.end(ended) == 7
    assert not index.is_live(7, ended) and index.is_live(7, kept)
    assert not client.get(prefix + ended)  # type: ignore[attr-defined]
    assert index.end(ended) is None  # unknown now
    assert index.sids_for(7) == {kept}


def test_a_session_still_signing_in_is_kept_while_the_same_user_signs_in_elsewhere(store) -> None:  # type: ignore[no-untyped-def]
    """The sign-in request indexes its id before it saves the session's data; another sign-in must not drop it."""
    index, client, prefix = store
    signing_in, other = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    index.add(7, signing_in)  # no data yet: its request has not finished
    _save(client, prefix + other)
    index.add(7, other)
    assert index.is_live(7, signing_in)
    assert index.sids_for(7) == {signing_in, other}


def test_sessions_whose_data_expired_drop_out_of_the_index(store, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from portal.auth import session_store

    monkeypatch.setattr(session_store, "PRUNE_GRACE_S", -1)  # as if the sign-in was long ago
    index, client, prefix = store
    stale = secrets.token_urlsafe(32)
    _save(client, prefix + stale)
    index.add(7, stale)
    client.delete(prefix + stale)  # type: ignore[attr-defined]  # the store's own expiry
    assert index.sids_for(7) == set()
