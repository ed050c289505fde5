"""A real IMAP server for the tests: Dovecot from a configuration in a temporary folder."""

import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "secret"

CONFIG = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/run
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
default_internal_group = dovecot
first_valid_uid = 100
log_path = {d}/dovecot.log
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/mail/%u
}}
"""


def available() -> bool:
    return Path(DOVECOT).exists() and os.geteuid() == 0


class Dovecot:
    """Dovecot on 127.0.0.1 and a free port; any user name logs in with ``PASSWORD``."""

    def __init__(self) -> None:
        # Not under pytest's own temporary folders, which only root may enter.
        self.folder = Path(tempfile.mkdtemp(prefix="paqt-dovecot-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]

    def start(self) -> "Dovecot":
        (self.folder / "run").mkdir(parents=True)
        (self.folder / "mail").mkdir()
        config = self.folder / "dovecot.conf"
        config.write_text(CONFIG.format(d=self.folder, port=self.port, password=PASSWORD))
        shutil.chown(self.folder / "mail", "dovecot", "dovecot")
        # Its login processes run as the dovecot users, which must reach the folder.
        self.folder.chmod(0o755)
        subprocess.run([DOVECOT, "-c", str(config)], check=True)  # noqa: S603 - our own binary
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Dovecot did not start: " + (self.folder / "dovecot.log").read_text())

    def stop(self) -> None:
        pid = self.folder / "run" / "master.pid"
        if pid.exists():
            os.kill(int(pid.read_text().strip()), signal.SIGTERM)
            time.sleep(0.5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, user: str) -> str:
        return f"imap://{user}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, user: str, raw: bytes) -> None:
        """Put ``raw`` in the inbox of ``user``, unseen, as a mail server would."""
        with imaplib.IMAP4("127.0.0.1", self.port) as imap:
            imap.login(user, PASSWORD)
            imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
