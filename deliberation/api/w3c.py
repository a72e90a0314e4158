"""The DRF renderers and parser for the W3C Web Annotation media type (the
format itself is ``deliberation/formats/w3c.py``)."""

from rest_framework.renderers import JSONRenderer

from config.badinput import JSONParser
from deliberation.formats.w3c import ANNO_MEDIA_TYPE


class AnnotationJsonLdRenderer(JSONRenderer):
    """JSON-LD with the Web Annotation profile (the protocol's media type)."""

    media_type = ANNO_MEDIA_TYPE
    format = "jsonld"


class JsonLdRenderer(JSONRenderer):
    """For clients that ask for plain ``application/ld+json``: the same body,
    still labelled with the Web Annotation profile."""

    media_type = "application/ld+json"
    format = "jsonld"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = ANNO_MEDIA_TYPE
        return super().render(data, accepted_media_type, renderer_context)


class JsonLdParser(JSONParser):
    """Reads ``application/ld+json`` (with or without a profile)."""

    media_type = "application/ld+json"
