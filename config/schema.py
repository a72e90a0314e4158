"""The API's OpenAPI schema: answers every operation may give, described once.

drf-spectacular describes what each view declares; these come from layers
around the views, so they are added here: 401 (a token that is not valid, or
none where one is needed), 400 and 413 (bad input and bodies too large, refused
before any view: config/badinput.py), 429 (every write is rate-limited:
config/throttling.py) and 503 (the database is away: config/middleware.py);
and on the POSTs that take an ``Idempotency-Key`` (deliberation/api/idempotency.py)
that header and its 422.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
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
BAD_INPUT = OpenApiResponse(
    ErrorSerializer,
    description="The request could not be read: a control character or an "
    "out-of-range number in the query, JSON nested too deep or with a NUL "
    "character or an unpaired surrogate, a malformed body (config/badinput.py).",
)
TOO_LARGE = OpenApiResponse(
    ErrorSerializer,
    description="The body is larger than the site takes (from its "
    "Content-Length, before it is read). Nothing was saved.",
)
UNAVAILABLE = OpenApiResponse(
    ErrorSerializer,
    description="The database is unavailable: nothing was saved (except a vote "
    "whose tally could not be counted after it was stored: ``detail`` says "
    "so). Retry after the seconds in ``Retry-After``.",
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    location=OpenApiParameter.HEADER,
    description="A key new for each write (a UUID, say). Sent again with the "
    "same request by the same person within IDEMPOTENCY_KEY_HOURS (24 by "
    "default), it gets the first answer again (with ``Idempotent-Replayed: "
    "true``) and nothing new is created: retry a write whose answer was lost "
    "with its key.",
)
KEY_REUSED = OpenApiResponse(
    ErrorSerializer,
    description="The Idempotency-Key was sent before with another request "
    "(another path or body). Nothing was saved.",
)


def _idempotent(view, method: str) -> bool:
    return getattr(getattr(view, method.lower(), None), "idempotent", False)


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if _idempotent(self.view, self.method):
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = {"400": BAD_INPUT, "401": UNAUTHORIZED, "503": UNAVAILABLE}
        if _idempotent(self.view, self.method):
            extra["422"] = KEY_REUSED
        if self.method not in SAFE_METHODS:
            extra["413"] = TOO_LARGE
            extra["429"] = THROTTLED
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    response, code, direction=direction
                )
        # Errors views declare without a body come from DRF's exception
        # handler: always ``detail``.
        for code in ("401", "403", "404"):
            response = responses.get(code)
            if response is not None and "content" not in response:
                described = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
                response["content"] = described["content"]
        return responses


# --- Completing the schema (a drf-spectacular postprocessing hook) -------------
#
# Examples are made up: a fictional debate, ids and pseudonymous names, never
# anything taken from a real person.

HOST = "https://debate.example.org"

DESCRIPTIONS = {
    "annotations_retrieve": "One annotation as W3C Web Annotation JSON-LD. "
    "Annotations for moderators or for their creator only are 404 to others.",
    "citations_retrieve": "One citation: the quoted passage of a source and "
    "where it is, in the revision it was last found in.",
    "claims_retrieve": "One claim with its explanation, citations and tally. "
    "Hidden claims are 404 to those who may not see them.",
    "claims_impact_destroy": "Withdraw your impact vote; returns the new tally.",
    "claims_vote_destroy": "Withdraw your stance vote; returns the new tally.",
    "comments_retrieve": 'One comment; a deleted one reads "[deleted]" and a '
    "hidden one is masked for those who may not see it.",
    "debates_retrieve": "One debate with its settings and theses.",
    "debates_my_flags_list": "Flags on your own items in this debate (without "
    "who flagged), with the status of each.",
    "debates_sources_list": "The debate's sources with their provenance "
    "(without their text; read one source for it).",
    "notifications_read_create": "Mark your notifications read: those in "
    "``ids``, or all of them when ``ids`` is left out.",
    "sources_retrieve": "One source with its provenance and current text.",
}

REQUEST_EXAMPLES = {
    "claims_create": {
        "parent": 12,
        "stance": "con",
        "text": "Face matching errs more often for some groups.",
        "explanation": "See the *audit* cited in the source.",
    },
    "claims_partial_update": {
        "text": "Face matching errs more often for darker-skinned women.",
        "note": "More precise",
    },
    "claims_vote_create": {"stance": "agree"},
    "claims_impact_create": {"value": 3},
    "claims_citations_create": {"source": 4, "quote": "arrests rose by a fifth"},
    "claims_comments_create": {
        "body": "Which month was measured?",
        "alignment": "neutral",
    },
    "annotations_comments_create": {"body": "Is this the 2018 figure?"},
    "claims_moderate_create": {"action": "hide", "reason": "Off-topic here."},
    "annotations_moderate_create": {"action": "restore", "reason": "Flag dismissed."},
    "comments_moderate_create": {"action": "lock", "reason": "The thread is done."},
    "memberships_moderate_create": {
        "action": "suspend",
        "days": 7,
        "reason": "Repeated abuse after a warning.",
    },
    "memberships_role_create": {"role": "moderator", "reason": "Runs the evening."},
    "debates_membership_partial_update": {"share_votes": True},
    "comments_partial_update": {"body": "Which month was measured, and where?"},
    "debates_create": {
        "question": "Should cities use live facial recognition?",
        "description": "A class debate on street cameras.",
        "visibility": "public",
        "mode": "open",
        "theses": ["Cities should use it", "Cities should not use it"],
    },
    "debates_partial_update": {"voting_enabled": False},
    "debates_theses_create": {"text": "Only with a warrant."},
    "debates_sources_create": {
        "title": "Pilot report on street cameras",
        "publisher": "City council",
        "published": "2024-03-01",
        "url": f"{HOST}/reports/pilot",
        "text": "In the pilot, arrests rose by a fifth in a month.",
    },
    "sources_partial_update": {
        "text": "In the pilot, arrests rose by a fifth in one month.",
        "note": "Typo",
    },
    "flags_create": {"claim": 31, "reason": "duplicate", "note": "Same as 1.2."},
    "claims_revisions_redact_create": {"reason": "A phone number."},
    "flags_reply_create": {"body": "It answers a different point, see 1.3."},
    "join_create": {"code": "K7M2QX"},
    "notifications_read_create": {"ids": [5, 6]},
    # Multipart uploads: the file is its content (shown as text).
    "debates_import_create": {
        "format": "kialo",
        "file": "Discussion Title: Should cities use face matching?\n\n1. Should "
        "cities use face matching?\n1.1. Pro: It finds missing people faster.\n",
    },
    "debates_annotations_import_create": {
        "file": '{"@context": "http://www.w3.org/ns/anno.jsonld", '
        '"type": "AnnotationCollection", "first": {"type": "AnnotationPage", '
        '"items": []}}',
    },
}
_W3C = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "type": "Annotation",
    "motivation": "commenting",
    "bodyValue": "The *month* matters here.",
    "target": {
        "source": f"{HOST}/api/v1/sources/4/",
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": "arrests rose",
                "prefix": "In the pilot, ",
                "suffix": " by a fifth",
            },
            {"type": "TextPositionSelector", "start": 14, "end": 26},
        ],
    },
}
REQUEST_EXAMPLES["debates_annotations_create"] = _W3C
REQUEST_EXAMPLES["annotations_update"] = _W3C

_TALLY = {
    "claim": 31,
    "perspective": "everyone",
    "agree": 12,
    "disagree": 5,
    "pass": 2,
    "voters": 19,
    "impact": [1, 0, 3, 6, 2],
    "impact_voters": 12,
    "impact_mean": 2.67,
    "my_stance": "agree",
    "my_impact": 3,
}
RESPONSE_EXAMPLES = {
    "claims_vote_create": _TALLY,
    "claims_tally_retrieve": _TALLY,
    "debates_tree_list": {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 12,
                "parent": None,
                "depth": 1,
                "number": "1",
                "stance": "",
                "text": "Cities should use live facial recognition.",
                "link_to": None,
                "status": "visible",
            },
            {
                "id": 31,
                "parent": 12,
                "depth": 2,
                "number": "1.1",
                "stance": "pro",
                "text": "Arrests rose by a fifth in the pilot.",
                "link_to": None,
                "status": "visible",
            },
        ],
    },
}

SUCCESS = {
    "200": "OK",
    "201": "Created",
    "202": "Accepted, to be done by a worker",
    "204": "Done; no body",
}


def postprocess(result, generator, request, public):
    """Descriptions where a view has none, examples, and a description for
    every success answer (drf-spectacular leaves those empty)."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            operation_id = operation.get("operationId")
            if not operation.get("description") and operation_id in DESCRIPTIONS:
                operation["description"] = DESCRIPTIONS[operation_id]
            if operation_id in REQUEST_EXAMPLES and "requestBody" in operation:
                for media in operation["requestBody"]["content"].values():
                    media["example"] = REQUEST_EXAMPLES[operation_id]
            for code, response in operation.get("responses", {}).items():
                if code in SUCCESS and not response.get("description"):
                    ref = (
                        response.get("content", {})
                        .get("application/json", {})
                        .get("schema", {})
                        .get("$ref", "")
                    )
                    name = ref.rsplit("/", 1)[-1]
                    response["description"] = SUCCESS[code] + (
                        f": a {name}." if name else "."
                    )
                if code in ("200", "201") and operation_id in RESPONSE_EXAMPLES:
                    for media in response.get("content", {}).values():
                        media["example"] = RESPONSE_EXAMPLES[operation_id]
    return result
