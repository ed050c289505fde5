"""The Celery application and its beat schedule."""

import os

from celery import Celery
from celery.signals import task_failure, task_retry, task_success, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paqt_support.settings")

app = Celery("paqt_support")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Proves to /readyz that beat fires and a worker executes what it sends.
    "ops.heartbeat": {"task": "ops.heartbeat", "schedule": 30.0},
    # Sends SLA at-risk and breach notices within half a minute of the moment they fall
    # due; a run that waited in the queue past the next one is dropped, not piled up.
    "sla.sweep": {"task": "sla.sweep", "schedule": 30.0, "options": {"expires": 25}},
    # Queues every escalation step that is due in the database, so a page still goes out
    # when its task was lost (Redis restarted, no worker when the issue was filed).
    "oncall.sweep": {"task": "oncall.sweep", "schedule": 15.0, "options": {"expires": 12}},
    # Applies the paging rule as time passes: ends paging when the office opens, and pages
    # urgent issues nobody took when it closes.
    "oncall.reconcile": {
        "task": "oncall.reconcile",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Moves open issues to the client's new agreement on the day it starts; saving an
    # agreement in the admin does the same at once.
    "sla.agreements_roll_over": {
        "task": "sla.agreements_roll_over",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Queues webhook deliveries whose task was lost; an attempt is claimed, never sent twice.
    "webhooks.sweep": {"task": "webhooks.sweep", "schedule": 60.0, "options": {"expires": 55}},
    # Tells each engineer whose shift just started the open escalations and urgent issues at
    # risk they inherit; once per shift, however often it runs.
    "oncall.handoff_notices": {
        "task": "oncall.handoff_notices",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Delivers the outbox rows whose next attempt is due: retries after their wait, and
    # rows a worker claimed and then died with.
    "mail.deliver_due": {"task": "mail.deliver_due", "schedule": 30.0, "options": {"expires": 25}},
    # Takes in the .eml files dropped in MAIL_IN_DIR (local mode) and polls the IMAP
    # mailboxes of MAIL_IMAP_URLS; a message is taken in once, by its Message-ID.
    "mail.read_folder": {"task": "mail.read_folder", "schedule": 15.0, "options": {"expires": 12}},
    "mail.poll_imap": {"task": "mail.poll_imap", "schedule": 60.0, "options": {"expires": 55}},
    # Reports escalation steps that are overdue or undeliverable to the log and, once per
    # step, to the administrators (through the other channels while email fails).
    "oncall.watchdog": {"task": "oncall.watchdog", "schedule": 60.0, "options": {"expires": 55}},
}


@app.on_after_configure.connect
def _prepare_filesystem_broker(sender, **kwargs):
    """Create the folders of the filesystem transport; kombu expects them to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@worker_process_init.connect
def _close_inherited_db_connections(**kwargs):
    # A forked pool process must not share the parent's database socket.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


# Counted for /metrics, which the web app answers: ops.metrics keeps the counts in the cache.
@task_success.connect
def _count_success(sender=None, **kwargs):
    from ops.metrics import task_outcome_count

    task_outcome_count(name=sender.name, state="succeeded")


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    from ops.metrics import task_outcome_count

    task_outcome_count(name=sender.name, state="failed")


@task_retry.connect
def _count_retry(sender=None, request=None, **kwargs):
    from ops.metrics import task_outcome_count

    task_outcome_count(name=request.task if request else sender.name, state="retried")
