from typing import Any

from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

class ServerSideSession(CallbackDict[str, Any], SessionMixin):
    sid: str  # set on every session the interface opens (the constructor alone allows None)

class ServerSideSessionInterface(SessionInterface):
    def regenerate(self, session: ServerSideSession) -> None: ...
