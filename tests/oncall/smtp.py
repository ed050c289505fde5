"""A real SMTP server for the live tests and the benchmark: counts pages, injects faults."""

import asyncio
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

PAGE_HEADER = "X-PAQT-Page"


@dataclass(frozen=True)
class Received:
    to: tuple[str, ...]
    subject: str
    message_id: str
    page: str
    body: str
    at: float


class SinkHandler:
    """Accept every message, except that it can refuse or stall the next recipients.

    ``refuse`` answers the next RCPT commands with a temporary 451 error, and so does every
    RCPT before the monotonic instant ``refuse_until``; ``stall`` holds
    the next RCPT commands for ``stall_seconds`` before accepting, and sets ``stalling``
    while it does, so that a test can kill the sender in the middle of its conversation.
    Both count only recipients in ``faults_for`` when that is set.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.refuse = 0
        self.refuse_until = 0.0
        self.stall = 0
        self.stall_seconds = 20.0
        self.stalling = threading.Event()
        self.faults_for: set[str] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.faults_for is not None and address not in self.faults_for:
            envelope.rcpt_tos.append(address)
            return "250 OK"
        with self.lock:
            refuse = self.refuse > 0
            self.refuse -= refuse
            refuse = refuse or time.monotonic() < self.refuse_until
            stall = not refuse and self.stall > 0
            self.stall -= stall
        if refuse:
            return "451 4.3.0 Temporary failure, try again later"
        if stall:
            self.stalling.set()
            await asyncio.sleep(self.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        received = Received(
            to=tuple(envelope.rcpt_tos),
            subject=str(message.get("Subject", "")),
            message_id=str(message.get("Message-ID", "")),
            page=str(message.get(PAGE_HEADER, "")),
            body=body.get_content() if body else "",
            at=time.monotonic(),
        )
        with self.lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"

    def pages(self) -> list[Received]:
        """Return the pages received so far (other mail, such as new-issue notices, left out)."""
        with self.lock:
            return [m for m in self.messages if m.page]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 and a free port, in a thread of this process."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
