"""Live events to browsers, over the Channels layer: one group per debate.

Events are published only after the surrounding transaction commits, so no one
sees a change that was rolled back, and they never carry content the receiver
may not see (payloads hold ids, counts and public text only; an author is
named as every reader of the debate sees them, ``selectors.people.public_name``).
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def debate_group(debate_id: int) -> str:
    return f"debate.{debate_id}"


def publish(*, debate_id: int, event: str, payload: dict) -> None:
    """Send now; prefer ``publish_on_commit`` inside a service."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        debate_group(debate_id),
        {"type": "debate.event", "event": event, "payload": payload},
    )


def publish_on_commit(*, debate_id: int, event: str, payload: dict) -> None:
    # robust: the change is committed; an unreachable live layer is logged,
    # not turned into an error for the person who made it.
    transaction.on_commit(
        lambda: publish(debate_id=debate_id, event=event, payload=payload),
        robust=True,
    )
