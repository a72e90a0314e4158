"""``Idempotency-Key`` on the API's POSTs that create (claims, theses,
comments, annotations, imports): a retry with the same key by the same person
gets the first answer again (with ``Idempotent-Replayed: true``) and creates
nothing new (deliberation/services/idempotency.py). Votes need no key: a vote
replaces the person's own, so sending it twice stores it once."""

import functools
import hashlib
import json

from django.db import transaction
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from deliberation.services.idempotency import (
    Answer,
    KeyReused,
    answer_once,
    request_fingerprint,
)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_MAX = 255


class KeyReusedError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was sent with another request: use a new key "
        "for a new write."
    )
    default_code = "idempotency_key_reused"


def _stored_key(key: str) -> str:
    # Any key is taken rather than refused (a refusal would be one more error
    # shape on every operation); one longer than the column is kept hashed.
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _answer_of(response) -> Answer | None:
    if not 200 <= response.status_code < 300:
        return None
    body = "" if response.data is None else json.dumps(response.data, cls=JSONEncoder)
    return Answer(
        status=response.status_code,
        body=body,
        location=response.get("Location", ""),
    )


def _replay(answer: Answer) -> Response:
    headers = {REPLAYED: "true"}
    if answer.location:
        headers["Location"] = answer.location
    data = json.loads(answer.body) if answer.body else None
    return Response(data, status=answer.status, headers=headers)


def idempotent(handler):
    """For a view's POST that creates something. The write and its answer run
    in one transaction: the answer is built before the commit from what was
    written, so a connection lost after the commit cannot turn a saved write
    into an error. With an ``Idempotency-Key`` header, once per key and person."""

    @functools.wraps(handler)
    def post(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            with transaction.atomic():
                return handler(view, request, *args, **kwargs)
        try:
            result, earlier = answer_once(
                user=request.user,
                key=_stored_key(key),
                fingerprint=request_fingerprint(
                    request.method, request.path, request.data
                ),
                write=lambda: handler(view, request, *args, **kwargs),
                answer_of=_answer_of,
            )
        except KeyReused:
            raise KeyReusedError() from None
        return result if earlier is None else _replay(earlier)

    post.idempotent = True
    return post
