"""A process pool for CPU-heavy work (password hashing) that only gets the CPU time nothing
else on the machine wants.

Threads are not enough. Linux lets a SCHED_IDLE or nice-19 thread yield to the other
threads of its own scheduling group, but the kernel first shares the CPU between groups:
cgroups, or, where processes sit in the root cgroup, sessions ("autogroups", enabled in most
distributions' kernels; `esante dev` and systemd give each process a session of its own).
A web process whose hashing threads keep both cores busy therefore holds its group's full
share against every other group: the reverse proxy, the database, a health check's client.
Measured here, a login flood raised the p99 of `/health/live` from about 1.6 ms to 5 ms
with SCHED_IDLE threads.

So each worker is a process of its own, in a session of its own, and asks the scheduler for
as little as it can without special rights:
- its autogroup's nice value is 19 (`/proc/self/autogroup`), so the group weighs 15 against
  1024 for the others;
- the process is nice 19 with a long time slice (100 ms through `sched_setattr`, Linux 6.12
  and later), so that a waking task with an ordinary slice preempts it on waking (EEVDF's
  short-slice preemption) instead of waiting for its turn.
Measured with the same flood: the autogroup alone left the p99 at 1.9-2.6x idle, both
together at 0.7-1.1x; logins/s did not change. Each step that the system refuses (other
kernels, other platforms) is skipped: the work still runs, at the lowest priority the
system grants.

Workers die with the web process: each watches its parent and exits when it is gone, since
a worker in its own session no longer receives the terminal's Ctrl-C. They are spawned, not
forked (forking a process that runs threads is unsafe), so a script that hashes passwords
needs the usual `if __name__ == "__main__":` guard. Each takes about 38 MB of RSS.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import platform
import struct
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait

LOWEST_NICE = 19
LONG_SLICE_NS = 100_000_000  # the kernel's upper bound for a custom slice
_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274}  # syscall numbers; elsewhere skipped
_SCHED_OTHER = 0


def background_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` background processes, started on first use."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_become_background,
    )


def _become_background() -> None:
    _exit_with_parent()
    with contextlib.suppress(OSError):
        os.setsid()  # a session, hence an autogroup, of its own
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
        group.write(str(LOWEST_NICE))
    if not _lowest_nice_with_long_slice():
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, 0, LOWEST_NICE)


def _lowest_nice_with_long_slice() -> bool:
    number = _SCHED_SETATTR.get(platform.machine())
    if number is None or not hasattr(ctypes, "CDLL"):
        return False
    # struct sched_attr (version 1, 56 bytes): size, policy, flags, nice, priority,
    # runtime (the slice for ordinary policies), deadline, period, util_min, util_max.
    attr = ctypes.create_string_buffer(
        struct.pack("IIQiIQQQII", 56, _SCHED_OTHER, 0, LOWEST_NICE, 0, LONG_SLICE_NS, 0, 0, 0, 0)
    )
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.syscall(number, 0, attr, 0) == 0)
    except (OSError, AttributeError):
        return False


def _exit_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait([parent.sentinel])  # readable once the parent has gone, however it went
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
