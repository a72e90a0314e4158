"""The Redis broker transport, with one fix: a worker survives losing Redis.

Celery 5.7.0 closes a broken broker connection after collecting it
(``Consumer.on_connection_error_after_connected``); by then kombu 5.7.0 has
detached the transport (``transport.client = None``), so the channel's close,
which first puts the worker's unacknowledged messages back, fails with
``AttributeError: 'NoneType' object has no attribute 'hostname'``. That is not
a connection error, so the worker stops ("Unrecoverable error"). Here a
detached transport raises a connection error instead: the close ignores it,
the consumer reconnects, and the messages it held stay in Redis' unacked set
(restored after the visibility timeout) or, when Redis lost them, are sent
again by the outbox sweep. Celery 5.6.3 did not close there; drop this class
once a release fixes it (tests/integration/test_broker_loss.py tells).
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
