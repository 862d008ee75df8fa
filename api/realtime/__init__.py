"""Socket.IO beside the Litestar app: live messages, typing and read markers."""

from api.realtime.server import Realtime, create_realtime, mount

__all__ = ["Realtime", "create_realtime", "mount"]
