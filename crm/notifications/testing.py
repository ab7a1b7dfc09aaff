"""A local fake of the Telegram Bot API for tests: records requests, answers as scripted.

Answers follow ``../shared/formats/telegram_sendmessage.json`` (ok / 429 with retry_after / 403 blocked).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeBotApi:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.script: list[tuple[int, dict[str, Any]]] = []  # answers to sendMessage, in order; then "ok"
        self.updates: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                method = self.path.rsplit("/", 1)[-1]
                fake.requests.append((method, payload))
                status, body = fake.answer(method, payload)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, method: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            pending = [u for u in self.updates if u["update_id"] >= int(payload.get("offset", 0))]
            return 200, {"ok": True, "result": pending}
        if self.script:
            return self.script.pop(0)
        return 200, {
            "ok": True,
            "result": {
                "message_id": len(self.requests),
                "chat": {"id": payload.get("chat_id")},
                "text": payload.get("text"),
            },
        }

    def sent(self) -> list[dict[str, Any]]:
        return [payload for method, payload in self.requests if method == "sendMessage"]

    def __enter__(self) -> FakeBotApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


FLOOD = (
    429,
    {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 35",
        "parameters": {"retry_after": 35},
    },
)
BLOCKED = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
