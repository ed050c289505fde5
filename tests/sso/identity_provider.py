"""A real OpenID Connect provider in its own process, a browser that logs in there, and
the steps of a login through it.

The provider (django-oidc-provider, tests/sso/provider/) knows two registered applications,
for a client's contacts and for the staff, and these people:

- anna, nieuw, carla, stan and uma at gemeente-a.nl; uma's address is not verified;
- bert at gemeente-b.nl;
- sam and sven at paqt.example (staff); sam logged in with a second factor (amr).
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from django.contrib.auth import get_user
from django.contrib.messages import get_messages

from sso.models import IdentityProvider
from sso.services import identity_provider_configuration

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "provider password"
CALLBACK = "http://testserver/accounts/sso/callback/"
AFTER_LOGOUT = ["http://testserver/accounts/login/", "http://testserver/admin/login/"]
PEOPLE = {
    "anna": ("anna@gemeente-a.nl", []),
    "nieuw": ("nieuw@gemeente-a.nl", []),
    "carla": ("carla@gemeente-a.nl", []),
    "stan": ("stan@gemeente-a.nl", []),
    "uma": ("uma@gemeente-a.nl", ["unverified"]),
    "bert": ("bert@gemeente-b.nl", []),
    "sam": ("sam@paqt.example", ["mfa"]),
    "sven": ("sven@paqt.example", []),
}
APPLICATIONS = {"portal-a": "secret of a", "support-staff": "secret of staff"}


@dataclass
class Provider:
    url: str

    @property
    def issuer(self) -> str:
        return self.url + "/openid"

    def log_in(self, authorize_url: str, username: str) -> str:
        """Log ``username`` in at the provider, as a browser would; return where it sends back."""
        browser = requests.Session()
        answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
        login_url = urljoin(self.url, answer.headers["Location"])
        page = browser.get(login_url, timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = browser.post(
            login_url,
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PASSWORD,
                "next": re.search(r'name="next" value="([^"]*)"', page.text).group(1),
            },
            headers={"Referer": login_url},
            allow_redirects=False,
            timeout=10,
        )
        answer = browser.get(
            urljoin(self.url, answer.headers["Location"].replace("&amp;", "&")),
            allow_redirects=False,
            timeout=10,
        )
        self.browser = browser
        return answer.headers["Location"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def provider_running(*, redirect_uris: list[str], after_logout: list[str]):
    """Start the test provider with both applications sending back to these addresses."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    setup = {
        "clients": [
            {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": after_logout,
            }
            for client_id, secret in APPLICATIONS.items()
        ],
        "users": [
            {
                "username": name,
                "password": PASSWORD,
                "email": email,
                "first_name": name.title(),
                "last_name": "Tester",
                "groups": groups,
            }
            for name, (email, groups) in PEOPLE.items()
        ],
    }
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "PROVIDER_DB": str(Path(folder) / "provider.sqlite3"),
            "PROVIDER_PORT": str(port),
            "PROVIDER_URL": url,
            "PROVIDER_SETUP": json.dumps(setup),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        log = open(Path(folder) / "provider.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.sso.provider.serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(url + "/openid/.well-known/openid-configuration", process, folder)
            yield Provider(url)
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


def identity_provider_create(provider: Provider, **fields) -> IdentityProvider:
    """Record ``provider`` here as the test's identity provider, its endpoints discovered."""
    return IdentityProvider.objects.create(
        issuer=provider.issuer,
        **identity_provider_configuration(issuer=provider.issuer),
        **fields,
    )


def _wait_for(url: str, process, folder) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(Path(folder, "provider.log").read_text())
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("The test identity provider did not start in 60 s.")


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return f"{parts.path}?{parts.query}"


def log_in(client, oidc_provider, provider, username, next_url=""):
    start = client.get(
        f"/accounts/sso/{provider.pk}/start/", {"next": next_url} if next_url else {}
    )
    assert start.status_code == 302
    back = oidc_provider.log_in(start["Location"], username)
    return client.get(callback_path(back)), callback_path(back)


def refusal(response, client) -> str:
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not get_user(client).is_authenticated
    return " ".join(str(m) for m in get_messages(response.wsgi_request))
