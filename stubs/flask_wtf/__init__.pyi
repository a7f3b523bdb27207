# Flask-WTF ships no type information and typeshed has no stubs for it: the portal uses only its CSRF
# protection, declared in csrf.pyi.
from flask_wtf.csrf import CSRFProtect as CSRFProtect
