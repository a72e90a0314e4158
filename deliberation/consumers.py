"""Websocket: one connection per open debate page, one group per debate.

A signed-in member's open page also marks them online for the class
dashboard (a ping every 30 s keeps the mark; it lapses by itself).

While the channel layer (Redis) is away the socket is accepted and closed at
once with code 4503 (unavailable, like the 4404 of a debate one may not see),
not failed as an HTTP 500: the page works without it, and live.js tries again
with a growing delay."""

import asyncio
import logging
from contextlib import suppress

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from deliberation.events import LAYER_AWAY, debate_group
from deliberation.selectors import debate_for_viewer
from deliberation.services.presence import presence_clear, presence_mark

logger = logging.getLogger(__name__)

# An application's close code (daphne sends 1000 or 3000-4999 only).
UNAVAILABLE = 4503


class DebateConsumer(AsyncJsonWebsocketConsumer):
    group = None
    debate_id = None
    user_id = None

    async def connect(self):
        user = self.scope.get("user")
        debate = await database_sync_to_async(debate_for_viewer)(
            slug=self.scope["url_route"]["kwargs"]["slug"], user=user
        )
        if debate is None:
            await self.close(code=4404)  # unknown, or not visible to this person
            return
        group = debate_group(debate.pk)
        try:
            await self._bounded(self.channel_layer.group_add(group, self.channel_name))
        except LAYER_AWAY as error:
            logger.warning("live updates away, socket refused: %r", error)
            await self.accept()
            await self.close(code=UNAVAILABLE)
            return
        self.group = group
        await self.accept()
        if user is not None and user.is_authenticated:
            self.debate_id, self.user_id = debate.pk, user.pk
            await database_sync_to_async(presence_mark)(self.debate_id, self.user_id)
            await self._presence_changed()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping" and self.user_id:
            await database_sync_to_async(presence_mark)(self.debate_id, self.user_id)

    async def disconnect(self, code):
        if self.user_id:
            await database_sync_to_async(presence_clear)(self.debate_id, self.user_id)
            await self._presence_changed()
        if self.group:
            # Layer away: the membership expires by itself (its group_expiry).
            with suppress(LAYER_AWAY):
                await self._bounded(
                    self.channel_layer.group_discard(self.group, self.channel_name)
                )

    async def _presence_changed(self):
        # A hint for the class dashboard: dropped when the layer is away.
        message = {"type": "debate.event", "event": "presence.changed", "payload": {}}
        with suppress(LAYER_AWAY):
            await self._bounded(self.channel_layer.group_send(self.group, message))

    @staticmethod
    async def _bounded(call):
        """A channel layer call that waits at most LIVE_SEND_TIMEOUT seconds."""
        return await asyncio.wait_for(call, timeout=settings.LIVE_SEND_TIMEOUT)

    async def debate_event(self, message):
        await self.send_json({"event": message["event"], **message["payload"]})
