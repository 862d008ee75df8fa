"""The store's answer to an email's delivery record is lost after the end-of-data marker
went out (the worker's connection to the store drops): the message is out, so the record
must end up `sent` and the job must not be retried, or the retry would send it twice."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dramatiq
import pytest
from pymongo import MongoClient

from actors.broker import configure_broker
from config.settings import Settings
from config.stack.processes import free_port
from domain.notifications.models import NOTIFICATIONS, SENT, Message
from domain.notifications.repository import ensure_notification_indexes, store
from tests.events.support import add_user, eventually, sent_emails

RECORD = b"email_sent_at"  # a field name only the delivery record's update carries


class AnswerLosingProxy:
    """A TCP proxy to the store that, the first time a request carries `RECORD`, drops the
    client's connection instead of relaying the answer; the request itself is forwarded
    (applied, answer lost) or not (lost on the way), as `forward` says."""

    def __init__(self, upstream: tuple[str, int], forward: bool) -> None:
        self.upstream, self.forward = upstream, forward
        self.cut = 0
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and RECORD in data and self._take_cut():
                    if self.forward:
                        target.sendall(data)  # the store applies it; its answer goes nowhere
                    source.shutdown(socket.SHUT_RDWR)
                    source.close()
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            if not from_client:
                source.close()

    def _take_cut(self) -> bool:
        with self._lock:
            self.cut += 1
            return self.cut == 1


@pytest.mark.parametrize("forward", [True, False], ids=["applied", "never-arrived"])
async def test_an_email_whose_record_answer_is_lost_is_sent_once_and_recorded(
    db: Any, settings: Settings, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
    forward: bool,
) -> None:  # fmt: skip
    await ensure_notification_indexes(db)
    user = await add_user(db, "patient")
    message = Message(user, "appointments", "Appointment update", "Update.", "http://x/")
    notification = await store(db, {"id": f"lost-{user}", "type": "appointment.confirmed"},
                               message)  # fmt: skip
    address = urlsplit(settings.mongo.url)
    proxy = AnswerLosingProxy((address.hostname or "127.0.0.1", address.port or 27017), forward)
    proxied: MongoClient[Any] = MongoClient(
        f"mongodb://127.0.0.1:{proxy.port}/?directConnection=true", tz_aware=True
    )
    broker = configure_broker(settings)  # before the actors bind to a broker
    import actors.notifications as notification_actors
    import actors.registry  # noqa: F401

    monkeypatch.setattr(notification_actors, "worker_sync_db",
                        lambda: proxied[settings.mongo.db])  # fmt: skip

    worker = dramatiq.Worker(broker, queues={notification_actors.QUEUE}, worker_threads=1)
    worker.start()
    try:
        broker.get_actor("notifications.send_email").send(notification.id)

        async def recorded() -> Any:
            doc = await db[NOTIFICATIONS].find_one({"_id": notification.id})
            return doc if doc and doc.get("email_status") == SENT else None

        await eventually(recorded, 30, every=0.05)
        await asyncio.sleep(1.0)  # a retry's copy may well be on its way by now
    finally:
        worker.stop()
        proxied.close()
        proxy.close()

    assert proxy.cut >= 1, "the store's answer was never cut; nothing was tested"
    # Recorded by the first attempt and still so: a job that had given its claim back would
    # leave it pending for its retry, or recorded by a second attempt that sent it again.
    final = await db[NOTIFICATIONS].find_one({"_id": notification.id})
    assert (final["email_status"], final["email_attempts"]) == (SENT, 1)
    assert sent_emails(data_dir, {notification.id}) == [notification.id]
