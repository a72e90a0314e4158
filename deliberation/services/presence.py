"""Who has a debate's page open: marked by the live socket, read by the
class dashboard (selectors/classroom.py). Kept in the cache only."""

from django.core.cache import cache

from deliberation.selectors.classroom import PRESENCE_SECONDS, presence_key


def presence_mark(debate_id: int, user_id: int) -> None:
    cache.set(presence_key(debate_id, user_id), 1, timeout=PRESENCE_SECONDS)


def presence_clear(debate_id: int, user_id: int) -> None:
    cache.delete(presence_key(debate_id, user_id))
