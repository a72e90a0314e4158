"""The demo debate's annotations (claims/demo/ai_policing_annotations.yaml):
demo members, their highlights, comments, evidence links and replies, written
through the same services as a person's own (so they are anchored, counted and
exported like any other).

The file names claims by the debate file's ids and sources by their keys, never
by database ids or positions: the claims can be reworded without touching it.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from claims.formats.document import DebateDocument, DocClaim
from claims.models import Annotation, Claim, Source
from deliberation.models import Debate
from deliberation.services.annotations import annotation_add, comment_add
from deliberation.services.common import membership_ensure


def _claims_by_key(debate: Debate, document: DebateDocument) -> dict[str, Claim]:
    """The debate's claims by the document's ids (a link id: the claim shown)."""
    texts, links = {}, {}

    def walk(doc: DocClaim):
        if doc.link_key:
            links[doc.key] = doc.link_key
        else:
            texts[doc.key] = doc.text
        for child in doc.children:
            walk(child)

    for thesis in document.theses:
        walk(thesis)
    by_text = {c.text: c for c in Claim.objects.filter(debate=debate, link_to=None)}
    found = {key: by_text[text] for key, text in texts.items() if text in by_text}
    found.update(
        {key: found[target] for key, target in links.items() if target in found}
    )
    return found


def _members(debate: Debate, data) -> dict:
    User = get_user_model()
    members = {}
    for raw in data.get("members") or []:
        user, made = User.objects.get_or_create(username=raw["username"])
        if made:
            user.set_unusable_password()  # nobody signs in as a demo member
            user.save(update_fields=["password"])
        membership = membership_ensure(debate=debate, user=user)
        membership.pseudonym = raw["pseudonym"]
        membership.save(update_fields=["pseudonym"])
        members[raw["key"]] = user
    return members


@transaction.atomic
def demo_annotations_add(
    *, debate: Debate, document: DebateDocument, data: dict
) -> list[Annotation]:
    """Add the annotations of ``data`` (the parsed annotations file) to the demo
    ``debate`` imported from ``document``. A key that names nothing is a
    ValidationError naming the annotation (its place in the file)."""
    claims = _claims_by_key(debate, document)
    sources = {s.key: s for s in Source.objects.filter(debate=debate)}
    members = _members(debate, data)

    def lookup(table, key, what, where):
        if key not in table:
            raise ValidationError(f"annotations[{where}]: no {what} {key!r}.")
        return table[key]

    added = []
    for i, raw in enumerate(data.get("annotations") or []):
        evidence = raw.get("evidence") or {}
        annotation = annotation_add(
            user=lookup(members, raw["by"], "member", i),
            debate=debate,
            source=lookup(sources, raw["source"], "source", i)
            if "source" in raw
            else None,
            claim=lookup(claims, raw["claim"], "claim", i) if "claim" in raw else None,
            quote=raw["quote"],
            body=(raw.get("comment") or "").strip(),
            tags=raw.get("tags") or (),
            evidence_claim=lookup(claims, evidence["claim"], "claim", i)
            if evidence
            else None,
            relation=evidence.get("relation", ""),
        )
        for reply in raw.get("replies") or []:
            comment_add(
                user=lookup(members, reply["by"], "member", i),
                annotation=annotation,
                body=reply["text"].strip(),
            )
        added.append(annotation)
    return added
