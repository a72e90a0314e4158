"""A download written as it is sent (exports): a ``StreamingHttpResponse``
over text pieces, for pages and the API alike.

The first piece is made before the answer starts, so the reads behind it (and
their failures: a database away answers 503 as anywhere else) come before
the status line. Under ASGI the rest is asked for piece by piece on the
request's own thread (``sync_to_async``, thread-sensitive: the reads use the
request's database connection); a sync iterator given to an ASGI response
would be read whole into memory first.
"""

from collections.abc import AsyncIterator, Iterable, Iterator
from itertools import chain

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse


def streamed_download(
    request, pieces: Iterable[str], *, content_type: str, filename: str
) -> StreamingHttpResponse:
    iterator = iter(pieces)
    first = next(iterator, None)
    rest = chain([] if first is None else [first], iterator)
    # ASGI requests (pages and, through DRF's Request, the API) carry a scope.
    content = _async(rest) if hasattr(request, "scope") else rest
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


async def _async(iterator: Iterator[str]) -> AsyncIterator[str]:
    step = sync_to_async(next, thread_sensitive=True)
    while (piece := await step(iterator, None)) is not None:
        yield piece
