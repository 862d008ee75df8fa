"""The Faust application. Run with `esante streams` (or `faust -A streams.app worker`).

The app object must exist at import for the agent decorators, but its configuration is
read lazily from the settings when the worker starts, and no client connects before that.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import faust

from config.settings import get_settings
from streams import fetch_pace


class _LazyConfig:
    """Faust reads these attributes only when the app is finalized at worker start."""

    @property
    def broker(self) -> str:
        servers = get_settings().kafka.bootstrap_servers.split(",")
        return ";".join(f"kafka://{server.strip()}" for server in servers)

    @property
    def datadir(self) -> str:
        # Next to the other servers' data, not in whatever directory the worker started in.
        return str(get_settings().app.data_dir / "streams")

    @property
    def topic_partitions(self) -> int:
        return get_settings().kafka.partitions

    @property
    def topic_replication_factor(self) -> int:
        return get_settings().kafka.replication_factor

    @property
    def producer_acks(self) -> int:
        return -1  # acks=all

    @property
    def producer_max_request_size(self) -> int:
        return 1_048_576

    store = "memory://"  # tables recover from their changelog topics on start
    web_enabled = False  # several stream workers run on one host
    topic_allow_declare = True
    consumer_auto_offset_reset = "earliest"
    broker_commit_every = 100
    broker_commit_interval = timedelta(seconds=1).total_seconds()
    stream_wait_empty = False
    table_cleanup_interval = 30.0
    worker_redirect_stdouts = False
    # A worker killed with -9 keeps its group membership until the session times out, and
    # its replacement waits for that before partitions are handed out again. Short
    # sessions with frequent heartbeats make a restart rejoin within seconds.
    broker_session_timeout = 6.0
    broker_heartbeat_interval = 1.0
    broker_rebalance_timeout = 6.0
    # Standbys would double each table in memory; tables recover from their changelog.
    table_standby_replicas = 0


app: Any = faust.App("esante-streams", autodiscover=False)
app.config_from_object(_LazyConfig())
fetch_pace.install(app)  # short fetch waits while events flow (see streams/fetch_pace.py)

# Agents register themselves on import.
import streams.agents  # noqa: E402, F401
