"""The email commit's two sends: both leave whole, and the process's switch interval is
what it was afterwards, however many worker threads commit at once."""

from __future__ import annotations

import socket
import sys
import threading

from infra.pipelined_write import _hand_both_to_kernel


def test_both_payloads_leave_whole_and_in_order() -> None:
    store, store_peer = socket.socketpair()
    smtp, smtp_peer = socket.socketpair()
    with store, store_peer, smtp, smtp_peer:
        assert _hand_both_to_kernel(store, b"request", smtp, b".\r\n") == (7, 3)
        assert store_peer.recv(100) == b"request"
        assert smtp_peer.recv(100) == b".\r\n"


def test_the_switch_interval_is_restored_after_concurrent_commits() -> None:
    before = sys.getswitchinterval()
    pairs = [(socket.socketpair(), socket.socketpair()) for _ in range(8)]

    def commit(store: socket.socket, smtp: socket.socket) -> None:
        for _ in range(100):  # each send takes a buffer slot: fewer than fill one
            _hand_both_to_kernel(store, b"r", smtp, b".")

    threads = [threading.Thread(target=commit, args=(s[0], m[0])) for s, m in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sys.getswitchinterval() == before
    finally:
        sys.setswitchinterval(before)
        for (s, s_peer), (m, m_peer) in pairs:
            for sock in (s, s_peer, m, m_peer):
                sock.close()
