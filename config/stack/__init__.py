"""The embedded development stack: real servers installed from PyPI, started on demand."""

from config.stack.manager import EmbeddedStack, StackAlreadyRunning

__all__ = ["EmbeddedStack", "StackAlreadyRunning"]
