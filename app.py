"""The app `flask` (FLASK_APP=app.py) loads: a bad config file stops it with the reason, not a stack trace."""

from portal.wsgi import create_app

app = create_app()
