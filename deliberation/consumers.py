"""Websocket: one connection per open debate page, one group per debate."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from deliberation.events import debate_group
from deliberation.selectors import debate_for_viewer


class DebateConsumer(AsyncJsonWebsocketConsumer):
    group = None

    async def connect(self):
        debate = await database_sync_to_async(debate_for_viewer)(
            slug=self.scope["url_route"]["kwargs"]["slug"],
            user=self.scope.get("user"),
        )
        if debate is None:
            await self.close(code=4404)  # unknown, or not visible to this person
            return
        self.group = debate_group(debate.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def debate_event(self, message):
        await self.send_json({"event": message["event"], **message["payload"]})
