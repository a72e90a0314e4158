"""One write per key: a client that sends a write again (its answer was lost,
a double click) with the same key gets the first answer back and nothing new
is written. The API takes the key from the ``Idempotency-Key`` header
(deliberation/api/idempotency.py), the pages from a one-time hidden form field
(deliberation/views/idempotency.py).

The key's row is inserted first in the write's own transaction, so it commits
exactly when the write does; a second request with the same key waits on the
row's unique index until the first commits (then answers as it did) or rolls
back (then writes itself). Keys are kept IDEMPOTENCY_KEY_HOURS and purged by
``purge_expired``."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from deliberation.models import IdempotencyKey

# Form fields that differ between two sends of the same form, or are the key.
UNHASHED_FIELDS = {"csrfmiddlewaretoken", "idempotency_key"}


@dataclass(frozen=True)
class Answer:
    """What a write answered: its status, its JSON body (API) and where it
    sent the person or where the new object lives (``Location``)."""

    status: int
    body: str = ""
    location: str = ""


class KeyReused(Exception):
    """The key was sent before with another request."""


def _value(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{digest.hexdigest()}"
    return value


def request_fingerprint(method: str, path: str, *payloads) -> str:
    """A hash of what was asked: method, path and the body's fields (JSON, or
    form fields and uploaded files, each ``QueryDict``-like or a dict)."""
    parts = [method.upper(), path]
    for payload in payloads:
        if hasattr(payload, "lists"):  # QueryDict / MultiValueDict
            fields = sorted(
                (name, [_value(v) for v in values])
                for name, values in payload.lists()
                if name not in UNHASHED_FIELDS
            )
            parts.append(fields)
        else:
            parts.append(payload)
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _expired_before(now=None):
    now = now or timezone.now()
    return now - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def earlier_answer(*, user, key: str, fingerprint: str) -> Answer | None:
    """The answer stored under ``user``'s ``key``, or None. KeyReused when
    the key came with another request."""
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return None
    if row.created <= _expired_before():
        row.delete()
        return None
    if row.fingerprint != fingerprint:
        raise KeyReused(key)
    return Answer(status=row.status, body=row.body, location=row.location)


def answer_once(
    *,
    user,
    key: str,
    fingerprint: str,
    write: Callable[[], object],
    answer_of: Callable[[object], Answer | None],
) -> tuple[object, Answer | None]:
    """Run ``write()`` once per ``user`` and ``key``, in one transaction with
    the key's row. ``answer_of(result)`` is what to store (None: the write
    failed, nothing is kept, not even the key).

    Returns ``(result, None)`` when written now, ``(None, answer)`` when an
    earlier request with this key answered already."""
    earlier = earlier_answer(user=user, key=key, fingerprint=fingerprint)
    if earlier is not None:
        return None, earlier
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            # A request with this key committed while we waited on its row.
            return None, earlier_answer(user=user, key=key, fingerprint=fingerprint)
        result = write()
        answer = answer_of(result)
        if answer is None:
            transaction.set_rollback(True)
            return result, None
        row.status, row.body, row.location = answer.status, answer.body, answer.location
        row.save(update_fields=["status", "body", "location"])
    return result, None


def keys_purge(now=None) -> int:
    """Forget keys older than IDEMPOTENCY_KEY_HOURS; how many went."""
    deleted, _ = IdempotencyKey.objects.filter(
        created__lte=_expired_before(now)
    ).delete()
    return deleted
