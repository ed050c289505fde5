"""A local HTTP server that records webhook deliveries and fails when told to; a client to watch."""

import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from webhooks.kinds import EventKind
from webhooks.models import WebhookEndpoint


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


@dataclass
class Receiver:
    """What the server received, and the statuses it answers with next (then 200)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, count: int, status: int = 503) -> None:
        with self.lock:
            self.answers.extend([status] * count)

    def next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200


@pytest.fixture
def receiver():
    """Serve on 127.0.0.1 in a thread for the test's length."""
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            recorder: Receiver = state["receiver"]
            with recorder.lock:
                recorder.requests.append(Received(self.path, self.headers, body))
            status = recorder.next_status()
            answer = b'{"ok": true}' if status == 200 else b"busy, try later"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def engineer(db):
    return StaffFactory(username="engineer", email="engineer@example.org")


@pytest.fixture
def agreement(db, engineer):
    agreement = agreement_with_targets()
    TeamFactory(client=agreement.client, members=[engineer])
    return agreement


@pytest.fixture
def contact(agreement):
    return ContactFactory(client=agreement.client, username="petra")


@pytest.fixture
def client_admin(agreement):
    return ContactFactory(
        client=agreement.client, username="jan", email="jan@example.org", is_client_admin=True
    )


@pytest.fixture
def endpoint(agreement, receiver):
    return WebhookEndpoint.objects.create(
        client=agreement.client,
        url=receiver.url,
        secret="s3cret-for-tests",
        event_kinds=list(EventKind.values),
    )
