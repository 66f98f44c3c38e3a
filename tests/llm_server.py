"""A small local server speaking the chat-completions protocol, for the assistant's tests.

``FakeLLM`` answers ``POST /chat/completions`` according to ``mode``: a normal JSON answer, a
streamed answer (server-sent events), an HTTP 500, a reply slower than the client's time-out, or
garbage. ``reply`` is the text it answers; ``requests`` records what the client sent.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JUDGE_MARK = "Tu contrôles les citations"


class FakeLLM:
    def __init__(self):
        self.mode = "json"
        self.reply = ""
        self.delay = 0.0
        # What it answers to a second-pass request (its system prompt opens on JUDGE_MARK); None: ``reply``.
        self.judge: str | None = None
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                messages = body.get("messages") or [{}]
                if fake.judge is not None and str(messages[0].get("content", "")).startswith(JUDGE_MARK):
                    self._send(200, json.dumps(_completion(fake.judge)).encode())
                elif fake.mode == "error":
                    self._send(500, b'{"error": "boom"}')
                elif fake.mode == "slow":
                    time.sleep(fake.delay)
                    self._send(200, json.dumps(_completion(fake.reply)).encode())
                elif fake.mode == "garbage":
                    self._send(200, b"<html>Bad gateway</html>{not json")
                elif fake.mode == "cut":  # one chunk, then the connection closes without [DONE]
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    chunk = {"choices": [{"index": 0, "delta": {"content": fake.reply}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.close_connection = True
                elif fake.mode == "stream":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    words = fake.reply.split(" ")
                    for n in range(0, len(words), 3):
                        piece = " ".join(words[n : n + 3]) + (" " if n + 3 < len(words) else "")
                        chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                else:
                    self._send(200, json.dumps(_completion(fake.reply)).encode())

            def _send(self, status, payload: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _completion(text: str) -> dict:
    return {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }
