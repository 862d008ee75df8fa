"""The email commit's two sends: both leave whole, the held-back request is pushed out,
and the process's switch interval is what it was afterwards, however many worker threads
commit at once."""

from __future__ import annotations

import fcntl
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from infra.pipelined_write import _hand_both_to_kernel


def test_both_payloads_leave_whole_and_in_order() -> None:
    store, store_peer = socket.socketpair()
    smtp, smtp_peer = socket.socketpair()
    with store, store_peer, smtp, smtp_peer:
        assert _hand_both_to_kernel(store, b"request", smtp, b".\r\n") == (7, 3)
        assert store_peer.recv(100) == b"request"
        assert smtp_peer.recv(100) == b".\r\n"


@contextmanager
def tcp_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as pymongo's are
        peer, _ = server.accept()
        with client, peer:
            yield client, peer


def unsent_bytes(sock: socket.socket) -> int:
    """Bytes still waiting in the socket's send queue, never transmitted (SIOCOUTQNSD)."""
    return int(struct.unpack("i", fcntl.ioctl(sock, 0x894B, b"\0" * 4))[0])


@pytest.mark.skipif(sys.platform != "linux", reason="SIOCOUTQNSD is Linux's")
def test_over_tcp_the_held_back_request_is_transmitted_once_the_marker_is_out() -> None:
    request = b"update " * 40
    with tcp_pair() as (store, store_peer), tcp_pair() as (smtp, smtp_peer):
        assert _hand_both_to_kernel(store, request, smtp, b".\r\n") == (len(request), 3)
        # Held back, the request would sit in the queue for the kernel's 200 ms cork limit.
        assert unsent_bytes(store) == 0
        store_peer.settimeout(5)
        smtp_peer.settimeout(5)
        assert store_peer.recv(1000) == request
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
