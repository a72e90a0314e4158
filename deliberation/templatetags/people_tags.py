"""Names of people on pages: thin calls to ``selectors.people``, the one rule."""

from django import template

from deliberation.selectors import account_name as account_name_of
from deliberation.selectors import naming
from deliberation.selectors.people import Naming

register = template.Library()


def _naming(context, *, everyone: bool = False) -> Naming:
    """One naming per page, viewer and debate: the view's (context
    ``names``) or one kept on the request, so the members' names are read
    once whatever the number of bylines. ``everyone``: as any reader sees
    them (no viewer)."""
    if not everyone and isinstance(context.get("names"), Naming):
        return context["names"]
    debate = context.get("debate")
    viewer = None if everyone else context.get("user")
    request = context.get("request")
    if request is None:
        return naming(viewer, debate)
    cache = request.__dict__.setdefault("_namings", {})
    key = (getattr(debate, "pk", None), everyone)
    if key not in cache:
        cache[key] = naming(viewer, debate)
    return cache[key]


@register.simple_tag(takes_context=True)
def person_name(context, person) -> str:
    """``person`` (a User) named as the viewer sees them in the page's debate."""
    return _naming(context)(person) or ""


@register.simple_tag(takes_context=True)
def person_label(context, person) -> str:
    """``person`` named as ``person_name`` does, plus, for the debate's
    moderators, the registered account behind a pseudonym."""
    if person is None:
        return "a former participant"
    return _naming(context).with_account(person) or ""


@register.simple_tag(takes_context=True)
def member_label(context, membership) -> str:
    """A membership's person as ``person_label`` names them, no query."""
    names = _naming(context)
    names.remember(membership)
    return names.with_account(membership.user) or ""


@register.simple_tag(takes_context=True)
def member_name(context, membership, everyone: bool = False) -> str:
    """A membership's person (its user loaded) named without a query; with
    ``everyone``, as any reader of the debate sees them."""
    return _naming(context, everyone=everyone).member(membership)


@register.filter
def account_name(user) -> str:
    """The registered account behind a name, for moderators ("" for guests)."""
    return account_name_of(user)
