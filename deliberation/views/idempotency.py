"""One-time form keys: the pages' forms that create something (a claim, a
comment, an annotation, an import) carry a hidden ``idempotency_key``
(``{% idempotency_key %}``), so a double submit creates one object and both
posts are sent where the first went (deliberation/services/idempotency.py).

The key is scoped to the person and to what the form sent: the same form sent
again with other words (the Back button, then a new comment) is a new write."""

import functools

from django.http import HttpResponseRedirect

from deliberation.services.idempotency import (
    Answer,
    answer_once,
    request_fingerprint,
)

FIELD = "idempotency_key"
KEY_MAX = 64


def _answer_of(response) -> Answer | None:
    # A form post that worked redirects; anything else wrote nothing.
    if not 300 <= response.status_code < 400:
        return None
    return Answer(status=response.status_code, location=response["Location"])


def idempotent_form(view):
    """For a page view whose POST creates something (innermost decorator:
    after the sign-in check and the rate limit)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        key = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not key or len(key) > KEY_MAX or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        fingerprint = request_fingerprint(
            request.method, request.path, request.POST, request.FILES
        )
        result, earlier = answer_once(
            user=request.user,
            key=f"form:{key}:{fingerprint}",
            fingerprint=fingerprint,
            write=lambda: view(request, *args, **kwargs),
            answer_of=_answer_of,
        )
        return result if earlier is None else HttpResponseRedirect(earlier.location)

    return wrapped
