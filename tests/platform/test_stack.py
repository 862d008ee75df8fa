"""The embedded stack starts what is missing, stops what it started, and nothing else."""

import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

import psutil
import pytest

from config.stack import EmbeddedStack, StackAlreadyRunning


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_second_stack_stops_every_process_it_started(
    tmp_path: Path, stack: EmbeddedStack
) -> None:
    # Redis comes from the session stack: the new one must reuse it and never stop it.
    redis_url = os.environ["REDIS_URL"]
    other = EmbeddedStack(
        tmp_path, memory_mongo=True, use_preferred_ports=False, environ={"REDIS_URL": redis_url}
    )
    env = other.start()
    assert "REDIS_URL" not in env  # given, so not started
    started = [s.process.pid for s in other.servers if s.process is not None]
    assert len(started) == 5
    assert all(_alive(pid) for pid in started)
    other.stop()
    assert not any(_alive(pid) for pid in started)
    session_redis = stack.server("redis").process
    assert session_redis is not None and session_redis.poll() is None


def test_a_second_stack_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = EmbeddedStack(tmp_path)
    first.acquire_lock()
    try:
        with pytest.raises(StackAlreadyRunning, match="already running"):
            EmbeddedStack(tmp_path).acquire_lock()
    finally:
        first.stop()
    EmbeddedStack(tmp_path).acquire_lock()  # free again once the first one stopped


def test_smtp_sink_writes_each_message_as_an_eml_file(data_dir: Path) -> None:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["To"] = "b@example.org"
    message["Subject"] = "sink check"
    message.set_content("hello")
    host, port = os.environ["SMTP_URL"].removeprefix("smtp://").split(":")
    with smtplib.SMTP(host, int(port)) as smtp:
        smtp.send_message(message)
    files = [p for p in (data_dir / "mail").glob("*.eml") if b"sink check" in p.read_bytes()]
    assert len(files) == 1
