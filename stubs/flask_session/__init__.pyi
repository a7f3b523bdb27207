# Flask-Session ships no type information and typeshed has no stubs for it: these declare only what the
# portal uses (installing it on an app, and the server-side session and interface it puts there).
from flask import Flask

class Session:
    def __init__(self, app: Flask | None = ...) -> None: ...
    def init_app(self, app: Flask) -> None: ...
