"""Template context for every page."""

from django.utils.functional import SimpleLazyObject

from deliberation.services.notifications import unread_count


def notifications(request):
    """The header's unread badge: computed only when a page shows it, and from
    the cache (see services.notifications) so it adds no query once known."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
