"""Who has a debate's page open: marked by the live socket, read by the
class dashboard (selectors/classroom.py). Kept in the cache only. And the
live sockets a log-out closes."""

from django.core.cache import cache

from deliberation.events import access_changed
from deliberation.selectors.classroom import PRESENCE_SECONDS, presence_key


def presence_mark(debate_id: int, user_id: int) -> None:
    cache.set(presence_key(debate_id, user_id), 1, timeout=PRESENCE_SECONDS)


def presence_clear(debate_id: int, user_id: int) -> None:
    cache.delete(presence_key(debate_id, user_id))


def sockets_close_on_logout(sender, request, user, **kwargs) -> None:
    """``user_logged_out``: the live sockets opened on the session that ends
    close (sent before Django flushes the session, so its key is known)."""
    if user is None or request is None:
        return
    access_changed(user_ids=[user.pk], session_key=request.session.session_key or "")
