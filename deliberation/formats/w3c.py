"""The W3C Web Annotation Data Model (JSON-LD) for Counterpoint's annotations
(the API's renderers and parser for its media type are in ``api/w3c.py``).

``annotation_to_w3c`` renders an Annotation; ``w3c_to_annotation_input`` reads a
W3C annotation into the arguments of ``services.annotation_add``. How our fields
map (FORMATS.md):

- target: ``source`` is the API URL of the source or claim whose text is
  annotated; ``selector`` holds a TextQuoteSelector and a TextPositionSelector
  (alternatives); ``state`` is a TimeState whose ``sourceDate`` is the time of
  the text revision the selectors describe (older than the current text for an
  orphan, whose passage was not found again after an edit);
- body: the comment is a TextualBody (``purpose: commenting``, Markdown), each
  tag a TextualBody with ``purpose: tagging``; evidence is a SpecificResource
  body with ``purpose: linking`` whose ``source`` is the claim's API URL, plus a
  tagging body ``supports`` or ``opposes``;
- audience: absent for "everyone in the debate"; a ``schema:Audience`` whose
  ``schema:audienceType`` is ``moderators`` or ``creator`` otherwise.

A claim's citation of a passage (``citation_to_w3c``) is an annotation too:
``motivation: linking``, its ``id`` the citation's API URL, its target the
cited passage (as above), its one body the citing claim (a SpecificResource,
``purpose: linking``) with no ``supports``/``opposes`` tag: that missing tag is
what tells a citation from evidence when a container is imported again
(``w3c_citation_input``).
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve, reverse
from rest_framework.serializers import DateTimeField

from claims.models import Annotation, Citation, Claim, Source
from deliberation.models import Debate

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ANNO_MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
MARKDOWN = "text/markdown"
AUDIENCE_TYPE = "schema:audienceType"
AUDIENCES = {
    Annotation.Visibility.MODERATORS: "moderators",
    Annotation.Visibility.ONLY_ME: "creator",
}
VISIBILITIES = {value: key for key, value in AUDIENCES.items()}
_datetime = DateTimeField().to_representation  # as everywhere else in the API


# --- URLs ---------------------------------------------------------------------


def absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def annotation_id(request, annotation: Annotation) -> str:
    return absolute(request, "api-annotation-detail", pk=annotation.pk)


def _resolve(request, url) -> tuple[str, dict] | None:
    """(URL name, kwargs) of one of our URLs, absolute or relative."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.get_host():
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return match.url_name, match.kwargs


def _claim_at(request, debate: Debate, url) -> Claim | None:
    found = _resolve(request, url)
    if found is None:
        return None
    name, kwargs = found
    if name == "api-claim-detail" or (
        name == "claim_detail" and kwargs.get("slug") == debate.slug
    ):
        return Claim.objects.filter(debate=debate, pk=kwargs["pk"]).first()
    return None


def _source_at(request, debate: Debate, url) -> Source | None:
    found = _resolve(request, url)
    if found is None:
        return None
    name, kwargs = found
    if name == "api-source-detail":
        return Source.objects.filter(debate=debate, pk=kwargs["pk"]).first()
    if name == "source_detail" and kwargs.get("slug") == debate.slug:
        return Source.objects.filter(debate=debate, key=kwargs["key"]).first()
    return None


# --- Rendering -----------------------------------------------------------------


def annotation_to_w3c(
    annotation: Annotation, request, *, creator_name: str | None, context: bool = True
) -> dict:
    """The annotation as a W3C Web Annotation (with ``@context`` unless it is
    embedded in a page that has one). ``creator_name``: the creator as the
    reader may see them (``selectors.people``); None leaves ``creator`` out
    (a deleted account)."""
    data = {"@context": ANNO_CONTEXT} if context else {}
    data.update(
        id=annotation_id(request, annotation),
        type="Annotation",
        motivation=annotation.motivation,
        created=_datetime(annotation.created),
        modified=_datetime(annotation.updated),
    )
    if creator_name is not None:
        data["creator"] = {"type": "Person", "nickname": creator_name}
    bodies = []
    if annotation.body:
        bodies.append(
            {
                "type": "TextualBody",
                "value": annotation.body,
                "format": MARKDOWN,
                "purpose": "commenting",
            }
        )
    bodies += [
        {"type": "TextualBody", "value": tag, "purpose": "tagging"}
        for tag in annotation.tags
    ]
    if annotation.evidence_claim_id:
        bodies.append(
            {
                "type": "SpecificResource",
                "source": absolute(
                    request, "api-claim-detail", pk=annotation.evidence_claim_id
                ),
                "purpose": "linking",
            }
        )
        bodies.append(
            {"type": "TextualBody", "value": annotation.relation, "purpose": "tagging"}
        )
    if bodies:
        data["body"] = bodies
    if annotation.source_id:
        target_url = absolute(request, "api-source-detail", pk=annotation.source_id)
        revision = annotation.source_revision
    else:
        target_url = absolute(request, "api-claim-detail", pk=annotation.claim_id)
        revision = annotation.claim_revision
    data["target"] = _target(annotation, target_url, revision)
    if annotation.visibility in AUDIENCES:
        data["audience"] = {
            "type": "Audience",
            AUDIENCE_TYPE: AUDIENCES[annotation.visibility],
        }
    return data


def _target(anchor, url: str, revision) -> dict:
    return {
        "source": url,
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": anchor.exact,
                "prefix": anchor.prefix,
                "suffix": anchor.suffix,
            },
            {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end},
        ],
        "state": {"type": "TimeState", "sourceDate": _datetime(revision.created)},
    }


def citation_to_w3c(
    citation: Citation, request, *, creator_name: str | None, context: bool = True
) -> dict:
    """A claim's citation of a passage as a W3C Web Annotation (``linking``,
    the claim its body); ``creator_name`` as in ``annotation_to_w3c``."""
    data = {"@context": ANNO_CONTEXT} if context else {}
    data.update(
        id=absolute(request, "api-citation-detail", pk=citation.pk),
        type="Annotation",
        motivation=Annotation.Motivation.LINKING,
        created=_datetime(citation.created),
        modified=_datetime(citation.created),
    )
    if creator_name is not None:
        data["creator"] = {"type": "Person", "nickname": creator_name}
    data["body"] = [
        {
            "type": "SpecificResource",
            "source": absolute(request, "api-claim-detail", pk=citation.claim_id),
            "purpose": "linking",
        }
    ]
    data["target"] = _target(
        citation,
        absolute(request, "api-source-detail", pk=citation.source_id),
        citation.source_revision,
    )
    return data


# --- Reading --------------------------------------------------------------------


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def w3c_target(request, debate: Debate, data: dict) -> dict:
    """``source`` or ``claim`` and the selectors' ``quote``, ``start``,
    ``prefix`` and ``suffix`` from a W3C target."""
    targets = _as_list(data.get("target"))
    if len(targets) != 1 or not isinstance(targets[0], dict):
        raise ValidationError(
            {"target": "Give one target: the text's source and its selectors."}
        )
    target = targets[0]
    source = _source_at(request, debate, target.get("source"))
    claim = None if source else _claim_at(request, debate, target.get("source"))
    if source is None and claim is None:
        raise ValidationError(
            {"target": "The target's source must be a source or claim of this debate."}
        )
    found = {"source": source, "claim": claim}
    selectors = [s for s in _as_list(target.get("selector")) if isinstance(s, dict)]
    for selector in selectors:
        if selector.get("type") == "TextQuoteSelector":
            found["quote"] = selector.get("exact")
            found["prefix"] = selector.get("prefix") or ""
            found["suffix"] = selector.get("suffix") or ""
        elif selector.get("type") == "TextPositionSelector":
            found["start"], found["end"] = selector.get("start"), selector.get("end")
    start, end = found.pop("start", None), found.pop("end", None)
    if start is not None and (
        not isinstance(start, int) or isinstance(start, bool) or start < 0
    ):
        raise ValidationError({"target": "A position's start is a whole number ≥ 0."})
    if found.get("quote") is None and isinstance(end, int) and start is not None:
        found["quote"] = (source or claim).text[start:end]  # position only
    if not isinstance(found.get("quote"), str) or not found["quote"]:
        raise ValidationError(
            {"target": "Give a TextQuoteSelector (or a TextPositionSelector)."}
        )
    if not all(isinstance(found.get(key, ""), str) for key in ("prefix", "suffix")):
        raise ValidationError({"target": "A selector's prefix and suffix are text."})
    found["start"] = start
    return found


def w3c_bodies(request, debate: Debate, data: dict) -> dict:
    """``body``, ``tags``, ``evidence_claim`` and ``relation`` from W3C bodies
    (and ``bodyValue``, the short form of one plain-text comment)."""
    comments, tags, relations, links = [], [], [], []
    if isinstance(data.get("bodyValue"), str):
        comments.append(data["bodyValue"])
    for body in _as_list(data.get("body")):
        if isinstance(body, str):
            links.append(body)  # a body given by its IRI alone
            continue
        if not isinstance(body, dict):
            raise ValidationError({"body": "Each body is an object or an IRI."})
        purpose = body.get("purpose")
        if purpose == "linking" or (
            "value" not in body and (body.get("source") or body.get("id"))
        ):
            links.append(body.get("source") or body.get("id"))
        elif not isinstance(body.get("value"), str):
            raise ValidationError({"body": "A textual body needs a string value."})
        elif purpose == "tagging":
            value = body["value"].strip()
            (relations if value in Annotation.Relation.values else tags).append(value)
        elif purpose in (None, "commenting", "describing", "replying"):
            comments.append(body["value"])
        else:
            raise ValidationError({"body": f"Unsupported body purpose {purpose!r}."})
    if len(comments) > 1:
        raise ValidationError({"body": "At most one comment (a commenting body)."})
    if len(links) > 1 or len(set(relations)) > 1:
        raise ValidationError(
            {"body": "Link at most one claim, as supports or opposes."}
        )
    if bool(links) != bool(relations):
        raise ValidationError(
            {
                "body": "Evidence is a linking body to a claim plus a tagging "
                "body “supports” or “opposes”."
            }
        )
    evidence = None
    if links:
        evidence = _claim_at(request, debate, links[0])
        if evidence is None:
            raise ValidationError({"body": "The linked claim is not in this debate."})
    return {
        "body": comments[0] if comments else "",
        "tags": tags,
        "evidence_claim": evidence,
        "relation": relations[0] if relations else "",
    }


def w3c_motivation(data: dict) -> str:
    motivations = _as_list(data.get("motivation"))
    if not motivations:
        return ""
    if len(motivations) > 1 or motivations[0] not in Annotation.Motivation.values:
        choices = ", ".join(Annotation.Motivation.values)
        raise ValidationError({"motivation": f"One of {choices}."})
    return motivations[0]


def w3c_visibility(data: dict) -> str:
    audience = data.get("audience")
    if audience is None:
        return Annotation.Visibility.EVERYONE
    kind = audience.get(AUDIENCE_TYPE) if isinstance(audience, dict) else None
    if kind not in VISIBILITIES:
        raise ValidationError(
            {
                "audience": "Leave it out (everyone in the debate), or give a "
                f"schema:Audience whose {AUDIENCE_TYPE} is moderators or creator."
            }
        )
    return VISIBILITIES[kind]


def w3c_to_annotation_input(request, debate: Debate, data: dict) -> dict:
    """The keyword arguments of ``services.annotation_add`` (but ``user`` and
    ``debate``) for a W3C annotation posted to ``debate``'s container."""
    if data.get("type") not in (None, "Annotation") and "Annotation" not in _as_list(
        data.get("type")
    ):
        raise ValidationError({"type": "An Annotation."})
    return {
        **w3c_target(request, debate, data),
        **w3c_bodies(request, debate, data),
        "motivation": w3c_motivation(data),
        "visibility": w3c_visibility(data),
    }


def w3c_citation_input(request, debate: Debate, data: dict) -> dict | None:
    """``claim``, ``source``, ``quote`` and ``start`` when ``data`` is a
    citation as ``citation_to_w3c`` writes it (motivation ``linking``, one
    linking body to a claim, no comment, tag or relation); None for any other
    annotation."""
    bodies = _as_list(data.get("body"))
    if _as_list(data.get("motivation")) != [Annotation.Motivation.LINKING]:
        return None
    if data.get("bodyValue") is not None or len(bodies) != 1:
        return None
    body = bodies[0]
    if not isinstance(body, dict) or body.get("purpose") != "linking":
        return None
    claim = _claim_at(request, debate, body.get("source") or body.get("id"))
    if claim is None:
        raise ValidationError({"body": "The linked claim is not in this debate."})
    target = w3c_target(request, debate, data)
    if target["source"] is None:
        raise ValidationError({"target": "A claim cites a passage of a source."})
    return {
        "claim": claim,
        "source": target["source"],
        "quote": target["quote"],
        "start": target["start"],
    }
