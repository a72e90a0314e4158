"""The API's OpenAPI schema: answers every operation may give, described once.

drf-spectacular describes what each view declares; these come from layers
around the views, so they are added here: 401 (a token that is not valid, or
none where one is needed), 429 (writes over the rate limit, on views with a
``throttle_scope``) and 503 (the database is away: config/middleware.py).
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person.")


UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer,
    description="No valid credentials: send ``Authorization: Token <key>`` "
    "(or a session with its CSRF token). A token that is not valid is refused "
    "on every operation.",
)
THROTTLED = OpenApiResponse(
    ErrorSerializer,
    description="Too many writes: wait the seconds in ``Retry-After``. "
    "Nothing was saved.",
)
UNAVAILABLE = OpenApiResponse(
    ErrorSerializer,
    description="The database is unavailable: nothing was saved. Retry after "
    "the seconds in ``Retry-After``.",
)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = {"401": UNAUTHORIZED, "503": UNAVAILABLE}
        if self.method not in SAFE_METHODS and getattr(
            self.view, "throttle_scope", None
        ):
            extra["429"] = THROTTLED
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    response, code, direction=direction
                )
        return responses
