"""A local HTTP server for the webhook and SMS tests: records requests, fails on demand."""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.oncall.smtp import free_port


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict
    body: dict
    at: float


class RecordingServer:
    """A threaded ``http.server`` on 127.0.0.1 that keeps every POST it answers with 200.

    ``fail_with`` answers the next ``failures`` requests with that status (none when 0,
    every one when ``failures`` is None); ``stop()`` closes the port, so that connections
    are refused until ``start()`` opens it again.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.fail_with = 500
        self.failures: int | None = 0
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _handler(self):
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with recorder.lock:
                    failing = recorder.failures is None or recorder.failures > 0
                    if failing and recorder.failures:
                        recorder.failures -= 1
                    if not failing:
                        recorder.requests.append(
                            Recorded(
                                self.path,
                                dict(self.headers),
                                json.loads(raw or b"{}"),
                                time.monotonic(),
                            )
                        )
                self.send_response(recorder.fail_with if failing else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> "RecordingServer":
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]
