"""In-app notifications: written by the services that cause them (no signals),
read from the header's badge and the notifications page.

The unread count shown in every page's header is cached per person and
dropped whenever their notifications change, so a page costs no query for it
once the count is known."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from deliberation.models import Debate, Membership, Notification
from deliberation.rules import MODERATING_ROLES

TEXT_MAX = 300
ONCE_A_DAY = timedelta(days=1)


def _cache_key(user_id: int) -> str:
    return f"notifications-unread:{user_id}"


def unread_count(user) -> int:
    """How many unread notifications ``user`` has (0 for anonymous)."""
    if not user.is_authenticated:
        return 0
    key = _cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, count, timeout=3600)
    return count


def _forget_count(user_ids: Iterable[int]) -> None:
    keys = [_cache_key(pk) for pk in set(user_ids)]
    # Now, and again after commit: a count cached by another request while
    # this transaction was open would otherwise miss the change.
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def notify(
    *, users: Iterable, kind: str, text: str, url: str = "", debate: Debate | None
) -> list[Notification]:
    """One notification to each of ``users`` (None and duplicates skipped)."""
    recipients = {u.pk: u for u in users if u is not None}
    if not recipients:
        return []
    text = text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"
    rows = Notification.objects.bulk_create(
        [
            Notification(user_id=pk, debate=debate, kind=kind, text=text, url=url)
            for pk in recipients
        ]
    )
    _forget_count(recipients)
    return rows


def notify_once_a_day(
    *, users: Iterable, kind: str, text: str, url: str, debate: Debate | None
) -> list[Notification]:
    """``notify`` those of ``users`` not told of the same thing (same kind and
    address) in the last day: an item flagged three times tells its author
    once. One query to find them."""
    recipients = {u.pk: u for u in users if u is not None}
    told = set(
        Notification.objects.filter(
            user_id__in=list(recipients),
            kind=kind,
            url=url,
            created__gte=timezone.now() - ONCE_A_DAY,
        ).values_list("user_id", flat=True)
    )
    return notify(
        users=[u for pk, u in recipients.items() if pk not in told],
        kind=kind,
        text=text,
        url=url,
        debate=debate,
    )


def notify_moderators(
    *, debate: Debate, text: str, url: str = "", exclude=(), once_a_day=False
):
    """Tell the debate's owner and moderators (new items in the queue);
    ``once_a_day``: not those told of the same address in the last day."""
    excluded = {u.pk for u in exclude if u is not None}
    moderators = [
        m.user
        for m in Membership.objects.filter(
            debate=debate,
            role__in=MODERATING_ROLES,
        ).select_related("user")
        if m.user_id not in excluded
    ]
    send = notify_once_a_day if once_a_day else notify
    return send(
        users=moderators,
        kind=Notification.Kind.QUEUE,
        text=text,
        url=url,
        debate=debate,
    )


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications read (all of them when ``ids`` is None);
    returns how many changed. Others' ids are ignored."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    changed = unread.update(read_at=timezone.now())
    if changed:
        _forget_count([user.pk])
    return changed


def excerpt(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def warm_unread_count(sender, request, user, **kwargs) -> None:
    """Receiver of ``user_logged_in``: cache the unread count at log-in."""
    cache.delete(_cache_key(user.pk))
    unread_count(user)
