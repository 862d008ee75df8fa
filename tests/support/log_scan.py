"""The suite's platform logs must never carry a token, password, bcrypt hash or signature.

Every log file written under the session's temporary directory (the embedded servers', and
the web, worker, streams and scheduler processes' that tests started) and every record the
in-process app logged are scanned once the session ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# Loggers of the test side (the HTTP client logs the URLs tests call, presigned ones too).
TEST_SIDE_LOGGERS = ("httpx", "httpcore")

SECRET_PATTERNS = {
    "JWT": re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}"),
    "bcrypt hash": re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"),
    "presigned signature": re.compile(r"X-Amz-Signature=[0-9a-f]{16,}"),
    "password field": re.compile(
        r"[\"']?(?:new_|current_)?password[\"']?\s*[:=]\s*[\"'](?!\*\*\*)[^\"']{4,}[\"']", re.I
    ),
}
_TEST_PASSWORD = re.compile(r"(?i)password\w*\"?\s*[:=]\s*\"([^\"\n]{8,})\"")


def passwords_used_by_tests(tests_root: Path) -> set[str]:
    """Literal passwords written in the test sources: none may show up in a log."""
    found: set[str] = set()
    for source in tests_root.rglob("*.py"):
        found.update(_TEST_PASSWORD.findall(source.read_text(errors="replace")))
    return {p for p in found if p != "***"}


def scan_lines(lines: Iterable[tuple[str, str]], passwords: set[str]) -> list[str]:
    leaks: list[str] = []
    for where, line in lines:
        for name, pattern in SECRET_PATTERNS.items():
            if pattern.search(line):
                leaks.append(f"{where}: {name}: {line.strip()[:300]}")
        for password in passwords:
            if password in line:
                leaks.append(f"{where}: test password {password!r}: {line.strip()[:300]}")
    return leaks


def log_lines(root: Path) -> Iterable[tuple[str, str]]:
    for log in sorted(root.rglob("*.log")):
        with log.open(errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                yield f"{log.relative_to(root)}:{number}", line
