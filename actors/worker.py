"""Entry module for `dramatiq actors.worker`: configures the broker, then loads the actors."""

import contextlib
import sys

from actors.broker import configure_broker
from config.logging import configure_logging
from config.settings import get_settings


def _die_with_parent() -> None:
    """Dramatiq's worker processes outlive a SIGKILLed parent; tie them to it (Linux), so
    that killing the worker's main process stops its jobs as a crash would."""
    import ctypes
    import multiprocessing
    import signal

    if sys.platform != "linux" or multiprocessing.parent_process() is None:
        return
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


_die_with_parent()
# A thread whose blocking call returned waits for the GIL up to this long (default 5 ms).
# Worker threads mostly wait on sockets; a short interval hands the GIL back to one whose
# answer arrived sooner, which keeps each job's latency down when all threads are busy.
sys.setswitchinterval(0.0002)
_settings = get_settings()
configure_logging(_settings.app.log_level, _settings.app.log_json, process="worker")
broker = configure_broker(_settings)

import actors.registry  # noqa: E402, F401
