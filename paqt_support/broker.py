"""Our workers and the broker: a Redis channel that outlives a Redis restart; quick reconnects."""

from functools import partial

from celery.worker.consumer import Consumer as CeleryConsumer
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

# Seconds between the worker's attempts to reach the broker again. kombu's default adds 2 s
# to the wait after every attempt, up to 30 s: a worker that lost Redis for 45 s noticed its
# return up to 14 s late, and a page queued meanwhile waited as long.
RECONNECT_INTERVAL = 1.0


class Channel(kombu_redis.Channel):
    """kombu's Redis channel, which reports a lost connection as a connection error.

    When the connection to Redis breaks, Celery's consumer drops the transport
    (``Connection.collect``), which clears ``transport.client``, and only then closes the
    connection. kombu 5.7.0 can leave the task channel open in between: ``Channel.close``
    first reads the reply of the BRPOP in flight, which raises with Redis gone, and
    ``Transport.close_connection`` stops at the first channel whose close raises. Closing
    the task channel later, or acknowledging a task that finished meanwhile, restores or
    acks through a new connection pool built from ``transport.client``, and fails with
    ``AttributeError: 'NoneType' object has no attribute 'hostname'``. Celery takes that
    for an unrecoverable error and the worker exits. A ``ConnectionError`` instead is what
    Celery ignores on close and logs on ack; the unacknowledged messages then stay in
    Redis, which hands them out again after the visibility timeout, and our tasks are safe
    to run twice.
    """

    def _get_pool(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection of this channel was closed")
        return super()._get_pool(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    """kombu's Redis transport with the channel above."""

    Channel = Channel


class Consumer(CeleryConsumer):
    """Celery's task consumer, trying the broker again every ``RECONNECT_INTERVAL`` seconds."""

    def ensure_connected(self, conn):
        # Celery passes no intervals of its own, and has no setting for them.
        conn.ensure_connection = partial(
            conn.ensure_connection,
            interval_start=RECONNECT_INTERVAL,
            interval_step=0,
            interval_max=RECONNECT_INTERVAL,
        )
        return super().ensure_connected(conn)
