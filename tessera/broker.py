"""Builds the Dramatiq broker from a URL; the one piece of global state Tessera keeps."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_RABBITMQ_SCHEMES = ("amqp://", "amqps://")


def configure_broker(url: str) -> dramatiq.Broker:
    """Create the broker for `url` and make it Dramatiq's global broker.

    `redis://`, `rediss://` and `unix://` (a Redis socket) give a RedisBroker, `amqp://` and
    `amqps://` a RabbitmqBroker; anything else is a ValueError. Call it before importing any
    module that declares actors: an actor binds to the broker that is global when it is
    declared (Dramatiq's best practice).
    """
    broker: dramatiq.Broker
    if url.startswith(_REDIS_SCHEMES):
        broker = RedisBroker(url=url)
    elif url.startswith(_RABBITMQ_SCHEMES):
        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(f"TESSERA_BROKER_URL must be a redis:// or amqp:// URL, got {url!r}")
    dramatiq.set_broker(broker)
    return broker
