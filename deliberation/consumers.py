"""Websocket: one connection per open debate page, one group per debate.

A signed-in member's open page also marks them online for the class
dashboard (a ping every 30 s keeps the mark; it lapses by itself)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from deliberation.events import debate_group
from deliberation.selectors import debate_for_viewer
from deliberation.services.presence import presence_clear, presence_mark


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
        self.group = debate_group(debate.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
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
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _presence_changed(self):
        await self.channel_layer.group_send(
            self.group,
            {"type": "debate.event", "event": "presence.changed", "payload": {}},
        )

    async def debate_event(self, message):
        await self.send_json({"event": message["event"], **message["payload"]})
