"""Redis restarts under a live, supervised worker: it keeps paging, and filing never fails.

These run against a redis-server of the test's own (tests.live.RedisServer), never the
shared one of REDIS_URL. It keeps its data across a restart, as docker-compose.yml runs it.
"""

import time
import uuid
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_create
from oncall.models import Escalation, EscalationState
from ops.health import heartbeat_age
from tests.live import own_redis, private_redis, wait_for, worker_process  # noqa: F401 - fixtures
from tests.oncall.live import fast_policy, start_worker
from tests.portal.helpers import log_in
from tickets.models import Issue

pytestmark = [pytest.mark.live_services]

# The outage of the issue's drill. Its length matters for the reconnect: kombu's own
# back-off had grown to 14 s by the time a 45 s outage ended.
OUTAGE_SECONDS = 45
RESTARTS = 10
# What kombu 5.7.0 raised when it killed the worker (paqt_support/broker.py).
KOMBU_CRASH = "'NoneType' object has no attribute 'hostname'"


def supervised_worker(worker_process, smtp, redis):  # noqa: F811
    """Start a worker with beat under `manage.py run_worker`, on ``redis``; wait until it beats."""
    worker = start_worker(
        worker_process, smtp, extra_env=redis.env(), supervised=True, concurrency=2
    )
    wait_for(
        lambda: heartbeat_age(worker=worker.name, now=timezone.now()) is not None,
        timeout=90,
        message=worker.log,
    )
    return worker


def all_paged(issues: list[Issue]) -> bool:
    return (
        not Escalation.objects.filter(issue__in=issues)
        .exclude(state=EscalationState.EXHAUSTED)
        .exists()
    )


def test_ten_redis_restarts_under_pages_in_flight_page_every_issue_once_per_step(
    setup,
    smtp,
    worker_process,  # noqa: F811
    own_redis,  # noqa: F811
):
    """Stop Redis for 45 s, ten times, each time with a page being sent (its message unacked).

    Before every stop one issue is filed and a page is held in the SMTP conversation for
    20 s, so the worker has an acks-late task unacknowledged and a BRPOP in flight when
    Redis goes: what crashed kombu 5.7.0. One more issue is filed while Redis is down and
    one just after it returns. Afterwards the worker still consumes (its supervisor may
    have started it again), and every issue was paged at each of its three steps exactly
    once, or twice with the same Message-ID (the documented crash window). About 10 minutes.
    """
    fast_policy()
    worker = supervised_worker(worker_process, smtp, own_redis)
    issues = []
    for restart in range(RESTARTS):
        smtp.handler.stalling.clear()
        smtp.handler.stall = 1
        issues.append(setup(f"Voor herstart {restart}"))
        assert smtp.handler.stalling.wait(timeout=60), worker.log()
        own_redis.stop()
        issues.append(setup(f"Tijdens herstart {restart}"))
        time.sleep(OUTAGE_SECONDS)
        own_redis.start()
        issues.append(setup(f"Na herstart {restart}"))

    wait_for(lambda: all_paged(issues), timeout=180, interval=1, message=worker.log)
    time.sleep(20)  # a few more sweeps, to show that nothing is sent again

    log = worker.log()
    assert KOMBU_CRASH not in log
    assert worker.process.poll() is None, log
    age = heartbeat_age(worker=worker.name, now=timezone.now())
    assert age is not None and age < 60, log
    pages = defaultdict(list)
    for page in smtp.handler.pages():
        pages[page.page].append(page)
    for issue in issues:
        steps = {key: sent for key, sent in pages.items() if issue.reference in sent[0].subject}
        assert len(steps) == 3, (issue.reference, steps)
        for sent in steps.values():
            assert len(sent) == 1 or (
                len(sent) == 2 and sent[0].message_id == sent[1].message_id
            ), (issue.reference, sent)


def test_with_redis_down_the_api_and_the_portal_file_and_pages_follow_redis_back(
    round_the_clock,
    smtp,
    worker_process,  # noqa: F811
    own_redis,  # noqa: F811
    client,
):
    """Filing succeeds while Redis is away; its pages go out within 30 s of Redis's return,
    and the page of an issue filed just after Redis returns within a few seconds."""
    worker = supervised_worker(worker_process, smtp, own_redis)
    _token, secret = api_token_create(user=round_the_clock.contact, name="monitoring script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    fields = {
        "title": "Burgerportaal onbereikbaar",
        "description": "Het burgerportaal geeft een 502 voor alle bezoekers.",
        "priority": "P1",
        "category": "incident",
    }

    own_redis.stop()
    down_at = time.monotonic()
    by_api = api.post("/api/v1/issues", fields, format="json")
    assert by_api.status_code == 201, by_api.content
    by_portal = log_in(client, round_the_clock.contact).post(
        reverse("portal:issue-create"), {**fields, "submission_token": str(uuid.uuid4())}
    )
    assert by_portal.status_code == 302
    time.sleep(max(0.0, down_at + OUTAGE_SECONDS - time.monotonic()))
    own_redis.start()
    up_at = time.monotonic()
    just_after = api.post("/api/v1/issues", {**fields, "title": "Nog steeds"}, format="json")
    assert just_after.status_code == 201, just_after.content
    filed_at = time.monotonic()

    def first_page(reference: str):
        return next((p for p in smtp.handler.pages() if reference in p.subject), None)

    references = [i.reference for i in Issue.objects.order_by("pk")]
    assert len(references) == 3
    wait_for(lambda: all(first_page(r) for r in references), timeout=60, message=worker.log)
    during = [first_page(r).at - up_at for r in references[:2]]
    assert max(during) < 30, during
    assert first_page(references[2]).at - filed_at < 6, worker.log()
