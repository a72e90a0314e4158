"""Websocket: one connection per open debate page, one group per debate.

A signed-in member's open page also marks them online for the class
dashboard (a ping every 30 s keeps the mark; it lapses by itself).

While the channel layer (Redis) is away the socket is accepted and closed at
once with code 4503 (unavailable, like the 4404 of a debate one may not see),
not failed as an HTTP 500: the page works without it, and live.js tries again
with a growing delay.

Access is asked again, not remembered from the connect: before every event
that carries text, at most LIVE_ACCESS_RECHECK seconds apart for count-only
events, and at once when a service says it may have ended
(``events.access_changed``: a member removed, a class erased, a log-out, a
debate made private). A socket that may no longer follow closes with 4403."""

import asyncio
import logging
import time
from contextlib import suppress

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from deliberation.events import LAYER_AWAY, debate_group, person_group
from deliberation.selectors import debate_for_viewer, may_follow_live
from deliberation.services.presence import presence_clear, presence_mark

logger = logging.getLogger(__name__)

# An application's close code (daphne sends 1000 or 3000-4999 only).
UNAVAILABLE = 4503
# The person may no longer follow the debate (removed from a private debate,
# logged out, erased, the debate made private): like HTTP 403.
REVOKED = 4403
# Events of counts and ids only, and frequent (a vote storm sends one per
# vote): sent on the socket's last answer if it is younger than
# LIVE_ACCESS_RECHECK seconds. Every other event (comments, annotations,
# names, reasons) is sent only after asking the rule again.
COUNT_EVENTS = frozenset(
    {"tally.changed", "presence.changed", "flags.changed", "members.changed"}
)


class DebateConsumer(AsyncJsonWebsocketConsumer):
    group = None
    joined: tuple[str, ...] = ()
    debate_id = None
    user_id = None
    session_key = ""
    checked_at = 0.0
    revoked = False

    async def connect(self):
        user = self.scope.get("user")
        debate = await database_sync_to_async(debate_for_viewer)(
            slug=self.scope["url_route"]["kwargs"]["slug"], user=user
        )
        if debate is None:
            await self.close(code=4404)  # unknown, or not visible to this person
            return
        signed_in = user is not None and user.is_authenticated
        groups = [debate_group(debate.pk)]
        if signed_in:
            groups.append(person_group(user.pk))  # told when access may end
        try:
            for group in groups:
                await self._bounded(
                    self.channel_layer.group_add(group, self.channel_name)
                )
        except LAYER_AWAY as error:
            logger.warning("live updates away, socket refused: %r", error)
            await self.accept()
            await self.close(code=UNAVAILABLE)
            return
        self.group, self.joined = groups[0], tuple(groups)
        self.debate_id, self.checked_at = debate.pk, time.monotonic()
        await self.accept()
        if signed_in:
            self.user_id = user.pk
            session = self.scope.get("session")
            self.session_key = (session.session_key if session else "") or ""
            await database_sync_to_async(presence_mark)(self.debate_id, self.user_id)
            await self._presence_changed()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping" and self.user_id and not self.revoked:
            await database_sync_to_async(presence_mark)(self.debate_id, self.user_id)

    async def disconnect(self, code):
        if self.user_id:
            await database_sync_to_async(presence_clear)(self.debate_id, self.user_id)
            await self._presence_changed()
        for group in self.joined:
            # Layer away: the membership expires by itself (its group_expiry).
            with suppress(LAYER_AWAY):
                await self._bounded(
                    self.channel_layer.group_discard(group, self.channel_name)
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
        if await self._may_follow(message["event"]):
            await self.send_json({"event": message["event"], **message["payload"]})

    async def access_changed(self, message):
        """``events.access_changed``: a log-out of this socket's session
        closes it; otherwise, about this debate or all, the rule is asked."""
        if self.revoked:
            return
        ended = message.get("session_key")
        if ended:
            if ended == self.session_key:
                await self._revoke()
            return
        if message.get("debate_id") in (None, self.debate_id):
            await self._may_follow(None)

    async def _may_follow(self, event: str | None) -> bool:
        """Whether this socket may still be sent ``event`` (None: ask now);
        closes it when not."""
        if self.revoked:
            return False
        age = time.monotonic() - self.checked_at
        if event in COUNT_EVENTS and age < settings.LIVE_ACCESS_RECHECK:
            return True
        allowed = await database_sync_to_async(may_follow_live)(
            debate_id=self.debate_id, user_id=self.user_id, session_key=self.session_key
        )
        self.checked_at = time.monotonic()
        if not allowed:
            await self._revoke()
        return allowed

    async def _revoke(self):
        # No event after this one, even those already waiting for the socket.
        self.revoked = True
        await self.close(code=REVOKED)
