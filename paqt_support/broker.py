"""The Redis broker as our workers use it: a channel that survives Redis going away."""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


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
