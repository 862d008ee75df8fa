"""Reads the Procfile: the platform's process types and their commands."""

from __future__ import annotations

from pathlib import Path

PROCFILE = Path(__file__).resolve().parent.parent / "Procfile"


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    processes: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes
