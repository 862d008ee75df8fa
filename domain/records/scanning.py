"""Scanning uploaded documents before anyone may download them.

The engine is pluggable: anything with `name` and `scan(data) -> ScanVerdict`. The built-in
one looks for known test signatures (the EICAR test file) and re-checks the file type;
a deployment with a real scanner (ClamAV, a cloud scanner) registers it in `ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from domain.records.file_types import sniff

# The EICAR anti-virus test string; real engines all report it, so this one does too.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@dataclass(frozen=True)
class ScanVerdict:
    clean: bool
    reason: str | None = None


class ScanEngine(Protocol):
    name: str

    def scan(self, data: bytes) -> ScanVerdict: ...


class SignatureScanner:
    name = "signature"
    signatures: dict[str, bytes] = {"EICAR-Test-File": EICAR}

    def scan(self, data: bytes) -> ScanVerdict:
        for label, signature in self.signatures.items():
            if signature in data:
                return ScanVerdict(False, f"malware signature found: {label}")
        if sniff(data[:16]) is None:
            return ScanVerdict(False, "content is not an allowed file type")
        return ScanVerdict(True)


ENGINES: dict[str, Callable[[], ScanEngine]] = {"signature": SignatureScanner}


def scan_engine(name: str = "signature") -> ScanEngine:
    return ENGINES[name]()
