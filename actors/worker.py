"""Entry module for `dramatiq actors.worker`: configures the broker, then loads the actors."""

from actors.broker import configure_broker
from config.logging import configure_logging
from config.settings import get_settings

_settings = get_settings()
configure_logging(_settings.app.log_level, _settings.app.log_json, process="worker")
broker = configure_broker(_settings)

import actors.registry  # noqa: E402, F401
