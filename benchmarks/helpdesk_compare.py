"""Time this project against django-helpdesk 2.6.1 over HTTP, side by side, in one run.

    .venv/bin/python benchmarks/helpdesk_compare.py [--issues 100000] [--rounds 15]

Installs django-helpdesk 2.6.1 from PyPI into a throwaway virtualenv under ``var/`` (once),
creates two PostgreSQL databases next to the one in ``DATABASE_URL`` (``<prefix>_ours`` and
``<prefix>_peer``), seeds each with the same issues (50 clients or queues, about 40% open;
this project's seeding is ``benchmarks/admin_queue.py``'s, the peer's
``benchmarks/peer/seed_helpdesk.py``), and serves each with gunicorn and 2 workers. Then it
asks both, interleaved round by round so that a busy machine weighs on both alike, for:

- the staff queue, first page of open issues, as the user waits: this project's page; for
  django-helpdesk its page and then the rows JSON that page loads (25 rows, its default);
- the staff issue page of an issue with six comments;
- filing an issue through each REST API, with 1 and with 8 concurrent clients.

Our staff hold a session that passed the second factor (an authenticator app) and file
with a personal API token of a staff member with an app, as in production. The API's
per-token throttle is raised for the run, since a benchmark files faster than a person;
``--redis-url`` gives this project Redis as broker and cache, as in production.
The peer files with a staff session and its CSRF token. Query counts come from Django's
test client in each seeding process. It prints each figure and the ratio, and drops both
databases unless ``--keepdb``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import served

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "benchmarks" / "peer"
PEER_VENV = ROOT / "var" / "peer-venv"
PEER_PACKAGES = ["django-helpdesk==2.6.1", "psycopg[binary]==3.3.9", "gunicorn==27.0.1"]
VAR = ROOT / "var" / "helpdesk-compare"
OURS_PORT, PEER_PORT = 8761, 8762
SECRET_KEY = secrets.token_urlsafe(40)
PAYLOAD = "Het zaaksysteem geeft een foutmelding bij het openen van een zaak."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000, help="issues on each side")
    parser.add_argument("--open-share", type=float, default=0.4, help="share of open issues")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds of pages")
    parser.add_argument("--filings", type=int, default=40, help="filings per side per round")
    parser.add_argument("--filing-rounds", type=int, default=3, help="rounds of filing")
    parser.add_argument("--prefix", default="helpdesk_compare", help="database name prefix")
    parser.add_argument("--keepdb", action="store_true", help="keep both seeded databases")
    parser.add_argument(
        "--redis-url", default="", help="broker and cache of this project (default: none)"
    )
    parser.add_argument("--seed-ours", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_ours:
        print(json.dumps(_seed_ours(args)))
        return 0
    if not re.fullmatch(r"[a-z0-9_]+", args.prefix):
        sys.exit("--prefix takes lower-case letters, digits and underscores.")
    server = _server_url()
    ours_db, peer_db = f"{args.prefix}_ours", f"{args.prefix}_peer"
    _peer_venv()
    VAR.mkdir(parents=True, exist_ok=True)
    try:
        for name in (ours_db, peer_db):
            if not args.keepdb or not _database_exists(server, name):
                served.psql(server, f'DROP DATABASE IF EXISTS "{name}"')
                served.psql(server, f'CREATE DATABASE "{name}"')
        started = time.perf_counter()
        ours = _last_json(
            [sys.executable, __file__, "--seed-ours", "--issues", str(args.issues),
             "--open-share", str(args.open_share)],
            env=_ours_env(server, ours_db, args.redis_url), cwd=ROOT,
        )  # fmt: skip
        peer = _last_json(
            [str(PEER_VENV / "bin" / "python"), "seed_helpdesk.py", "--issues", str(args.issues),
             "--open-share", str(args.open_share)],
            env=_peer_env(server, peer_db), cwd=PEER,
        )  # fmt: skip
        print(f"seeded and counted in {time.perf_counter() - started:.0f} s")
        # Filings of an earlier run (--keepdb) change the tables' statistics; a stale plan
        # would slow one side for reasons that are no part of the comparison.
        for name in (ours_db, peer_db):
            served.psql(server, "VACUUM ANALYZE", database=name)
        with _gunicorn(
            ours_env=_ours_env(server, ours_db, args.redis_url),
            peer_env=_peer_env(server, peer_db),
        ):
            _report(args, ours, peer)
    finally:
        if not args.keepdb:
            for name in (ours_db, peer_db):
                served.psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


# -- this project's side, run in its own process ------------------------------------------


def _seed_ours(args) -> dict:
    """Seed this project; log the viewers in with their second factor; count queries."""
    served.seed(issues=args.issues, open_share=args.open_share)

    from django.conf import settings
    from django.contrib import admin
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from api.services import api_token_create
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Issue

    member = User.objects.get(username="bench-member")
    administrator = User.objects.get(username="bench-admin")
    issue = Issue.objects.order_by("pk").first()
    browsers = {
        "member": served.verified_browser(member),
        "admin": served.verified_browser(administrator),
    }
    _token, secret = api_token_create(user=member, name="helpdesk_compare")
    queue_admin = admin.site._registry[Issue]
    queries: dict[str, int] = {}
    for who, browser in browsers.items():
        for rows in (25, 100):
            queue_admin.list_per_page = rows
            with CaptureQueriesContext(connection) as captured:
                response = browser.get("/admin/tickets/issue/")
            assert response.status_code == 200, response.status_code
            queries[f"{who}_queue_{rows}"] = len(captured)
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(f"/admin/tickets/issue/{issue.pk}/change/").status_code == 200
        queries[f"{who}_issue_page"] = len(captured)
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": {who: served.session_of(browser) for who, browser in browsers.items()},
        "token": secret,
        "issue": issue.pk,
        "client": member.teams.order_by("client__code").first().client.code,
        "issues": Issue.objects.count(),
        "open": Issue.objects.filter(status__in=OPEN_STATUSES).count(),
        "queries": queries,
    }


# -- processes -----------------------------------------------------------------------------


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL: both sides are compared on it.")
    return url.rsplit("/", 1)[0]


def _database_exists(server: str, name: str) -> bool:
    # The name is checked against [a-z0-9_]+ in main().
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608
    return served.psql(server, query).strip() == "1"


def _peer_venv() -> None:
    """Install django-helpdesk into its own virtualenv under var/, once."""
    python = PEER_VENV / "bin" / "python"
    if python.exists():
        return
    print(f"installing {', '.join(PEER_PACKAGES)} into {PEER_VENV.relative_to(ROOT)} ...")
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True
    )


def _ours_env(server: str, name: str, redis_url: str) -> dict:
    # With Redis, filing queues its notification there as in production; without, in
    # kombu's filesystem transport under var/. No worker takes them in either case.
    broker = {"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url} if redis_url else {}
    return served.site_env(
        database_url=f"{server}/{name}",
        var_dir=VAR / "ours",
        secret_key=SECRET_KEY,
        API_THROTTLE_TOKEN="1000000/min",  # noqa: S106 - a rate, not a secret
        **broker,
    )


def _peer_env(server: str, name: str) -> dict:
    parts = urlsplit(f"{server}/{name}")
    return {
        **os.environ,
        "PYTHONPATH": str(PEER),
        "PEER_DATABASE": name,
        "PEER_DATABASE_USER": parts.username or "postgres",
        "PEER_DATABASE_HOST": parts.hostname or "127.0.0.1",
        "PEER_DATABASE_PORT": str(parts.port or 5432),
        "PEER_MEDIA_ROOT": str(VAR / "peer-media"),
    }


def _last_json(command: list[str], *, env: dict, cwd: Path) -> dict:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        sys.exit(f"{command[1]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextmanager
def _gunicorn(*, ours_env: dict, peer_env: dict):
    """Serve both sides with 2 sync workers each until the block ends."""
    servers = [
        served.gunicorn(port=OURS_PORT, workers=2, env=ours_env),
        subprocess.Popen(  # noqa: S603
            [str(PEER_VENV / "bin" / "gunicorn"), "helpdesk_site.wsgi",
             "--workers", "2", "--bind", f"127.0.0.1:{PEER_PORT}", "--log-level", "warning"],
            cwd=PEER, env=peer_env,
        ),
    ]  # fmt: skip
    try:
        for port in (OURS_PORT, PEER_PORT):
            served.wait_for(port)
        yield
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


# -- measuring -----------------------------------------------------------------------------


def _get(port: int, path: str, cookie: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, content = served.request(port, "GET", path, headers={"Cookie": cookie})
    elapsed = time.perf_counter() - started
    assert status == 200, (port, path, status, content[:300])
    return elapsed, content


def _report(args, ours: dict, peer: dict) -> None:
    ours_cookie = {
        who: f"{ours['session_cookie']}={value}" for who, value in ours["sessions"].items()
    }
    peer_cookie = f"{peer['session_cookie']}={peer['session']}"
    queue, page = "/admin/tickets/issue/", f"/admin/tickets/issue/{ours['issue']}/change/"
    ticket_page = f"/helpdesk/tickets/{peer['ticket']}/"
    html = _get(PEER_PORT, "/helpdesk/tickets/", peer_cookie)[1].decode()
    marker = "/helpdesk/datatables_ticket_list/"
    rows_url = html[html.index(marker) : html.index('"', html.index(marker))]
    rows_url += "?draw=1&start=0&length=25"

    def peer_queue() -> tuple[float, float]:
        page_time = _get(PEER_PORT, "/helpdesk/tickets/", peer_cookie)[0]
        rows_time, content = _get(PEER_PORT, rows_url, peer_cookie)
        assert len(json.loads(content)["data"]) == 25
        return page_time, rows_time

    steps = {
        "ours member queue": lambda: _get(OURS_PORT, queue, ours_cookie["member"])[0],
        "ours admin queue": lambda: _get(OURS_PORT, queue, ours_cookie["admin"])[0],
        "peer queue": peer_queue,
        "ours member issue page": lambda: _get(OURS_PORT, page, ours_cookie["member"])[0],
        "ours admin issue page": lambda: _get(OURS_PORT, page, ours_cookie["admin"])[0],
        "peer ticket page": lambda: _get(PEER_PORT, ticket_page, peer_cookie)[0],
    }
    for step in steps.values():  # warm both sides' workers, templates and caches
        step()
        step()
    times: dict[str, list] = {name: [] for name in steps}
    load_before = os.getloadavg()
    for round_number in range(args.rounds):
        # Alternate which side goes first, so neither always meets a warmer database.
        order = list(steps.items())
        for name, step in order if round_number % 2 == 0 else reversed(order):
            times[name].append(step())
    peer_parts = times.pop("peer queue")
    times["peer queue"] = [html_time + rows_time for html_time, rows_time in peer_parts]
    filing = _filing(args, ours, peer, peer_cookie)
    load_after = os.getloadavg()

    print(
        f"\nthis project: {ours['issues']} issues, {ours['open']} open; "
        f"django-helpdesk 2.6.1: {peer['issues']} tickets, {peer['open']} open; "
        f"PostgreSQL, gunicorn with 2 sync workers each; {args.rounds} interleaved rounds"
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    ms = {name: (_median(values), _p95(values)) for name, values in times.items()}
    peer_html = _median([part[0] for part in peer_parts])
    peer_rows = _median([part[1] for part in peer_parts])
    print(f"\n{'measure':<52} {'helpdesk':>10} {'ours':>10} {'ratio':>7}")
    for who in ("member", "admin"):
        for figure, index in (("median", 0), ("p95", 1)):
            _line(
                f"staff queue as {who}, {figure} (ms)",
                ms["peer queue"][index],
                ms[f"ours {who} queue"][index],
            )
    print(f"  helpdesk's queue median: page {peer_html:.1f} ms + rows JSON {peer_rows:.1f} ms")
    for who in ("member", "admin"):
        for figure, index in (("median", 0), ("p95", 1)):
            _line(
                f"staff issue page as {who}, {figure} (ms)",
                ms["peer ticket page"][index],
                ms[f"ours {who} issue page"][index],
            )
    for clients, (peer_rate, ours_rate) in filing.items():
        _line(
            f"filing through the API, {clients} client(s) (issues/s)",
            peer_rate,
            ours_rate,
            higher_is_better=True,
        )
    counted, theirs = ours["queries"], peer["queries"]
    print("\nqueries (Django's test client, in each seeding process)")
    print(
        f"  helpdesk queue: page {theirs['list_page']} + rows JSON {theirs['rows_25']} at 25 rows,"
        f" {theirs['list_page']} + {theirs['rows_100']} at 100; ticket page {theirs['ticket_page']}"
    )
    for who in ("member", "admin"):
        print(
            f"  ours as {who}: queue {counted[f'{who}_queue_25']} at 25 rows, "
            f"{counted[f'{who}_queue_100']} at 100; issue page {counted[f'{who}_issue_page']}"
        )


def _filing(args, ours: dict, peer: dict, peer_cookie: str) -> dict[int, tuple[float, float]]:
    """Return, per number of concurrent clients, the median filings per second of each side."""
    csrf = secrets.token_hex(16)
    sides = {
        "peer": (
            PEER_PORT,
            "/helpdesk/api/tickets/",
            {"Cookie": f"{peer_cookie}; csrftoken={csrf}", "X-CSRFToken": csrf},
            {
                "queue": peer["queue"],
                "submitter_email": "contact@example.org",
                "priority": 3,
            },
        ),
        "ours": (
            OURS_PORT,
            "/api/v1/issues",
            {"Authorization": f"Bearer {ours['token']}"},
            {"client": ours["client"], "priority": "P3"},
        ),
    }
    results = {}
    for clients in (1, 8):
        rates: dict[str, list[float]] = {"peer": [], "ours": []}
        for round_number in range(args.filing_rounds):
            order = ["ours", "peer"] if round_number % 2 else ["peer", "ours"]
            for side in order:
                rates[side].append(_file(*sides[side], clients=clients, count=args.filings))
        results[clients] = (statistics.median(rates["peer"]), statistics.median(rates["ours"]))
    return results


def _file(port: int, path: str, headers: dict, fields: dict, *, clients: int, count: int) -> float:
    headers = {**headers, "Content-Type": "application/json"}

    def one(number: int) -> None:
        body = json.dumps(
            {**fields, "title": f"Benchmark-melding {number}", "description": PAYLOAD}
        )
        status, content = served.request(port, "POST", path, headers=headers, body=body)
        assert status == 201, (port, status, content[:300])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(count)))
    return count / (time.perf_counter() - started)


def _median(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] * 1000


def _line(label: str, peer: float, ours: float, *, higher_is_better: bool = False) -> None:
    ratio = ours / peer if higher_is_better else peer / ours
    print(f"{label:<52} {peer:>10.1f} {ours:>10.1f} {ratio:>6.1f}x")


if __name__ == "__main__":
    sys.exit(main())
