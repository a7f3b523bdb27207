"""The app `flask` (FLASK_APP=app.py) loads: a bad config file stops it with the reason, not a stack trace."""

from connectors.errors import ConfigurationError
from portal import create_app
from portal.access.agreements import AgreementError

try:
    app = create_app()
except (AgreementError, ConfigurationError) as error:
    raise SystemExit(f"The portal cannot start: a configuration file is wrong.\n{error}") from None
