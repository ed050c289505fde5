"""The worker tries an unreachable broker again every second, and never gives up."""

import pytest
from kombu import Connection

from paqt_support.broker import Consumer
from paqt_support.celery import app
from tests.live import free_port


class Stop(Exception):
    pass


def test_the_worker_tries_the_broker_again_every_second_without_a_limit(monkeypatch, caplog):
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        if sum(slept) >= 10:
            raise Stop

    monkeypatch.setattr("kombu.utils.functional.sleep", sleep)
    consumer = Consumer.__new__(Consumer)
    consumer.app = app
    consumer.first_connection_attempt = False
    consumer.broker_connection_retry_attempt = 0
    # A closed port on this machine: every attempt is refused at once.
    conn = Connection(
        f"redis://127.0.0.1:{free_port()}/0", transport="paqt_support.broker:Transport"
    )
    with pytest.raises(Stop):
        consumer.ensure_connected(conn)
    # kombu's own schedule waits 2, 4, 6, ... s, and Celery's default gives up after 100 tries.
    retries = [r.getMessage() for r in caplog.records if "Trying again" in r.getMessage()]
    assert len(retries) == 10
    assert all("Trying again in 1.00 second... " in line for line in retries), retries
    assert "(10/None)" in retries[-1]
