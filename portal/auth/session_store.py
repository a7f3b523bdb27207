"""Where server-side sessions live, and the index of session ids per user that makes them revocable.

Flask-Session keeps each session's data under `<prefix><sid>` in the backend; this module
adds, in the same backend, the set of live session ids of every user. A session is live
only while its id is in its user's set, so ending a session is "remove it from the set,
then delete its data": a request still in flight that writes the data back cannot
revive it. Two backends:

- Redis (production): sets and keys with expiry; every worker on every machine sees them.
- Files in the instance folder (the single-process demo and tests), through cachelib's
  FileSystemCache, the store Flask-Session itself uses; index changes are serialised by
  an exclusive file lock, so several processes sharing the folder also stay consistent.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from cachelib.file import FileSystemCache


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
    """Redis sets `<prefix>index:user:<id>` and keys `<prefix>index:owner:<sid>` (a sid never holds a colon)."""

    def __init__(self, client, key_prefix: str, lifetime_s: int) -> None:  # type: ignore[no-untyped-def]
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
        pipe.sadd(self._user_key(user_id), sid)
        pipe.expire(self._user_key(user_id), self.lifetime_s)
        pipe.set(self._owner_key(sid), str(user_id), ex=self.lifetime_s)
        pipe.execute()

    def is_live(self, user_id: int, sid: str) -> bool:
        return bool(self.client.sismember(self._user_key(user_id), sid))

    def sids_for(self, user_id: int) -> set[str]:
        raw = self.client.smembers(self._user_key(user_id))
        members = {m.decode() if isinstance(m, bytes) else str(m) for m in raw}
        gone = {sid for sid in members if not self.client.exists(self.prefix + sid)}
        if gone:
            self.client.srem(self._user_key(user_id), *gone)
        return members - gone

    def end(self, sid: str) -> int | None:
        owner = self.client.get(self._owner_key(sid))
        user_id = int(owner) if owner is not None else None
        pipe = self.client.pipeline()
        if user_id is not None:
            pipe.srem(self._user_key(user_id), sid)
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

    def _members(self, user_id: int) -> set[str]:
        return set(self.cache.get(self._user_key(user_id)) or ())

    def _store(self, user_id: int, sids: set[str]) -> None:
        if sids:
            self.cache.set(self._user_key(user_id), sorted(sids), timeout=self.lifetime_s)
        else:
            self.cache.delete(self._user_key(user_id))

    def add(self, user_id: int, sid: str) -> None:
        with self._locked():
            live = {s for s in self._members(user_id) if self.cache.has(self.prefix + s)}
            self._store(user_id, live | {sid})
            self.cache.set(self._owner_key(sid), user_id, timeout=self.lifetime_s)

    def is_live(self, user_id: int, sid: str) -> bool:
        return sid in self._members(user_id)

    def sids_for(self, user_id: int) -> set[str]:
        with self._locked():
            members = self._members(user_id)
            live = {s for s in members if self.cache.has(self.prefix + s)}
            if live != members:
                self._store(user_id, live)
            return live

    def end(self, sid: str) -> int | None:
        with self._locked():
            owner = self.cache.get(self._owner_key(sid))
            user_id = int(owner) if owner is not None else None
            if user_id is not None:
                self._store(user_id, self._members(user_id) - {sid})
            self.cache.delete(self._owner_key(sid))
            self.cache.delete(self.prefix + sid)
        return user_id
