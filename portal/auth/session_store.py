"""Where server-side sessions live, and the index of session ids per user that makes them revocable.

Flask-Session keeps each session's data under `<prefix><sid>` in the backend; this module
adds, in the same backend, the set of live session ids of every user. A session is live
only while its id is in its user's set, so ending a session is "remove it from the set,
then delete its data": a request still in flight that writes the data back cannot
revive it. Two backends:

- Redis (production): sets and keys with expiry; every worker on every machine sees them.
Each id is indexed with the time it was added. Ids whose data has gone (the store's own expiry)
are pruned, but only once they are older than a sign-in request can take: a session id is
indexed during the sign-in request, before that request has saved the session's data.

- Files in the instance folder (the single-process demo and tests), through cachelib's
  FileSystemCache, the store Flask-Session itself uses; index changes are serialised by
  an exclusive file lock, so several processes sharing the folder also stay consistent.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cachelib.file import FileSystemCache

if TYPE_CHECKING:  # redis is imported only where the Redis store is configured
    from redis import Redis

# Longer than any sign-in request: a newer id may not have its data saved yet, so it is never pruned.
PRUNE_GRACE_S = 120


class SessionIndex(Protocol):
    """The live session ids of each user, over the backend that holds the session data."""

    def add(self, user_id: int, sid: str) -> None:
        """Record `sid` as a live session of `user_id`."""

    def is_live(self, user_id: int, sid: str) -> bool:
        """Is `sid` one of `user_id`'s live sessions?"""

    def sids_for(self, user_id: int) -> set[str]:
        """The user's live session ids (ids whose data has already expired are dropped)."""

    def end(self, sid: str) -> int | None:
        """End one session: out of its user's set, data deleted. Returns the user id, or None if unknown."""

    def reachable(self) -> bool:
        """Can sessions be read and written now? (For the readiness probe.)"""


class RedisSessionIndex:
    """Redis sorted sets `<prefix>index:user:<id>` (sid scored by when it was added) and keys
    `<prefix>index:owner:<sid>` (a sid never holds a colon)."""

    def __init__(self, client: Redis, key_prefix: str, lifetime_s: int) -> None:
        self.client = client
        self.prefix = key_prefix
        self.lifetime_s = lifetime_s

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}index:user:{user_id}"

    def _owner_key(self, sid: str) -> str:
        return f"{self.prefix}index:owner:{sid}"

    def reachable(self) -> bool:
        import redis

        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def add(self, user_id: int, sid: str) -> None:
        self.sids_for(user_id)  # prune first, so the set holds only sessions that still exist
        pipe = self.client.pipeline()
        pipe.zadd(self._user_key(user_id), {sid: time.time()})
        pipe.expire(self._user_key(user_id), self.lifetime_s)
        pipe.set(self._owner_key(sid), str(user_id), ex=self.lifetime_s)
        pipe.execute()

    def is_live(self, user_id: int, sid: str) -> bool:
        return self.client.zscore(self._user_key(user_id), sid) is not None

    def sids_for(self, user_id: int) -> set[str]:
        # redis-py types a reply as "awaitable or value" (one type for its sync and async clients); this
        # client is the sync one, so its replies are plain values.
        raw: Any = self.client.zrange(self._user_key(user_id), 0, -1, withscores=True)
        added = {(m.decode() if isinstance(m, bytes) else str(m)): float(score) for m, score in raw}
        settled = time.time() - PRUNE_GRACE_S
        gone = {sid for sid, at in added.items() if at < settled and not self.client.exists(self.prefix + sid)}
        if gone:
            self.client.zrem(self._user_key(user_id), *gone)
        return set(added) - gone

    def end(self, sid: str) -> int | None:
        owner: Any = self.client.get(self._owner_key(sid))  # a plain value: see sids_for
        user_id = int(owner) if owner is not None else None
        pipe = self.client.pipeline()
        if user_id is not None:
            pipe.zrem(self._user_key(user_id), sid)
        pipe.delete(self._owner_key(sid), self.prefix + sid)
        pipe.execute()
        return user_id


class FileSessionIndex:
    """The index as entries of the same FileSystemCache that holds the sessions, changed under a file lock."""

    def __init__(self, cache: FileSystemCache, folder: Path, key_prefix: str, lifetime_s: int) -> None:
        self.cache = cache
        self.lock_path = folder / ".index.lock"
        self.prefix = key_prefix
        self.lifetime_s = lifetime_s

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # flock conflicts between separate open() calls, so it serialises threads as well as processes.
        with open(self.lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}index:user:{user_id}"

    def _owner_key(self, sid: str) -> str:
        return f"{self.prefix}index:owner:{sid}"

    def reachable(self) -> bool:
        return os.access(self.lock_path.parent, os.W_OK)

    def _members(self, user_id: int) -> dict[str, float]:
        """sid -> when it was added."""
        return dict(self.cache.get(self._user_key(user_id)) or {})

    def _store(self, user_id: int, sids: dict[str, float]) -> None:
        if sids:
            self.cache.set(self._user_key(user_id), sids, timeout=self.lifetime_s)
        else:
            self.cache.delete(self._user_key(user_id))

    def _pruned(self, members: dict[str, float]) -> dict[str, float]:
        settled = time.time() - PRUNE_GRACE_S
        return {sid: at for sid, at in members.items() if at >= settled or self.cache.has(self.prefix + sid)}

    def add(self, user_id: int, sid: str) -> None:
        with self._locked():
            self._store(user_id, {**self._pruned(self._members(user_id)), sid: time.time()})
            self.cache.set(self._owner_key(sid), user_id, timeout=self.lifetime_s)

    def is_live(self, user_id: int, sid: str) -> bool:
        return sid in self._members(user_id)

    def sids_for(self, user_id: int) -> set[str]:
        with self._locked():
            members = self._members(user_id)
            live = self._pruned(members)
            if live != members:
                self._store(user_id, live)
            return set(live)

    def end(self, sid: str) -> int | None:
        with self._locked():
            owner = self.cache.get(self._owner_key(sid))
            user_id = int(owner) if owner is not None else None
            if user_id is not None:
                members = self._members(user_id)
                members.pop(sid, None)
                self._store(user_id, members)
            self.cache.delete(self._owner_key(sid))
            self.cache.delete(self.prefix + sid)
        return user_id
