"""The scanner that guards the suite's logs finds what it must and nothing else."""

import tempfile
from pathlib import Path

from tests.support.log_scan import log_lines, passwords_used_by_tests, scan_lines

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dGhpc2lzYXNpZ25hdHVyZQ"


def test_finds_tokens_hashes_signatures_and_passwords() -> None:
    # Outside the session's temporary directory, which is itself scanned at the end.
    with tempfile.TemporaryDirectory() as folder:
        _check_scanner(Path(folder))


def _check_scanner(tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    log.write_text(
        "\n".join(
            [
                '{"event": "ok", "path": "/api/v1/auth/me"}',
                f'{{"event": "header", "value": "Bearer {JWT}"}}',
                "hash $2b$12$" + "a" * 53,
                "GET https://s3/bucket/key?X-Amz-Signature=0123456789abcdef0123",
                '{"password": "hunter2-secret"}',
                '{"password": "***"}',
                "said correct horse battery",
            ]
        )
    )
    leaks = scan_lines(log_lines(tmp_path), {"correct horse battery"})
    kinds = sorted(leak.split(": ")[1] for leak in leaks)
    assert kinds == [
        "JWT", "bcrypt hash", "password field", "presigned signature",
        "test password 'correct horse battery'",
    ]  # fmt: skip


def test_collects_the_literal_passwords_of_the_tests() -> None:
    passwords = passwords_used_by_tests(Path(__file__).parents[1])
    assert "correct horse battery" in passwords
