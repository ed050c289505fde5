"""The Redis channel survives Redis going away under an unacknowledged task and a BRPOP."""

import contextlib
import logging
import socket

import pytest
from kombu import Connection, Consumer, Exchange, Queue

from tests.live import private_redis, wait_for  # noqa: F401 - a fixture

pytestmark = [pytest.mark.live_services]

KOMBU_REDIS = "kombu.transport.redis:Transport"
OURS = "paqt_support.broker:Transport"


def drop_redis_under_a_consumer(server, transport: str):
    """Leave a consumer as Celery's is when Redis stops, then clean up as Celery does.

    The task channel holds an unacknowledged message (an acks-late task running) and has a
    BRPOP in flight for the next one; a second channel listens on an auto-deleted fanout
    queue (Celery's remote control). Redis stops; Celery's consumer collects the connection,
    then closes it. Return the connection and the unacknowledged message.
    """
    conn = Connection(server.url(), transport=transport)
    queue = Queue("work", Exchange("work"), "work")
    with conn.Producer() as producer:
        producer.publish({"task": 1}, exchange=queue.exchange, routing_key="work", declare=[queue])
    received = []
    task_consumer = Consumer(
        conn.default_channel, [queue], callbacks=[lambda body, m: received.append(m)]
    )
    task_consumer.qos(prefetch_count=2)
    task_consumer.consume()
    control = Queue("control", Exchange("control", type="fanout"), auto_delete=True)
    Consumer(conn.channel(), [control], callbacks=[lambda body, m: None]).consume()

    def drain() -> bool:
        with contextlib.suppress(socket.timeout):
            conn.drain_events(timeout=0.5)
        return bool(received)

    wait_for(drain, timeout=10, message="the message was not delivered")
    conn.default_channel.connection.cycle.on_poll_start()
    assert conn.default_channel._in_poll, "a BRPOP for the next task should be in flight"
    server.stop()
    conn.collect(socket_timeout=5)
    conn.close()
    return conn, received[0]


def test_closing_the_connection_after_redis_went_away_raises_nothing(private_redis):  # noqa: F811
    drop_redis_under_a_consumer(private_redis, OURS)


def test_acknowledging_a_task_after_redis_went_away_is_logged_as_a_broker_error(
    private_redis,  # noqa: F811
    caplog,
):
    conn, message = drop_redis_under_a_consumer(private_redis, OURS)
    logger = logging.getLogger("test")
    message.ack_log_error(logger, conn.connection_errors)
    assert "Couldn't ack" in caplog.text


def test_kombu_570_redis_channel_still_crashes_where_ours_does_not(private_redis):  # noqa: F811
    # When this fails, kombu fixed the crash and paqt_support.broker can go.
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'hostname'"):
        drop_redis_under_a_consumer(private_redis, KOMBU_REDIS)
