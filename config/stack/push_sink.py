"""A development stand-in for the OneSignal REST API.

It records each notification request as a JSON file under `--dir` and answers the way
OneSignal does. Subscription ids starting with `invalid-` are reported back as invalid,
so the platform's clean-up of dead devices can be exercised.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

INVALID_PREFIX = "invalid-"
ALL_INVALID = "All included players are not subscribed"


class PushSinkHandler(BaseHTTPRequestHandler):
    directory: ClassVar[Path]

    def log_message(self, format: str, *args: Any) -> None:
        return  # the request files are the log

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._reply(200, {"status": "ok"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._reply(400, {"errors": ["body is not JSON"]})
            return
        if not self.headers.get("Authorization"):
            self._reply(401, {"errors": ["missing Authorization header"]})
            return
        notification_id = str(uuid.uuid4())
        record = {
            "id": notification_id,
            "path": self.path,
            "received_at": time.time(),
            "body": body,
        }
        name = f"{time.time_ns()}-{notification_id[:8]}.json"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self.directory / name)
        targets = body.get("include_subscription_ids") or body.get("include_player_ids") or []
        invalid = [t for t in targets if str(t).startswith(INVALID_PREFIX)]
        answer: dict[str, Any] = {"id": notification_id, "recipients": len(targets) - len(invalid)}
        if invalid and len(invalid) == len(targets):
            # OneSignal names the bad targets only when some were good; otherwise this.
            answer = {"id": "", "recipients": 0, "errors": [ALL_INVALID]}
        elif invalid:
            answer["errors"] = {"invalid_player_ids": invalid}
        self._reply(200, answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    PushSinkHandler.directory = args.dir
    server = ThreadingHTTPServer((args.host, args.port), PushSinkHandler)
    print(f"push sink listening on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
