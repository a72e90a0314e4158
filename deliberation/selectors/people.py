"""How a person is named: the one rule every channel asks (pages, the API,
W3C annotations, exports, live events, moderation and analysis pages).

In a debate, as ``viewer`` sees them, a person is named:

1. in an anonymous debate (``authors_hidden_from`` the viewer), unless they
   are the viewer: by their generated animal name in the debate, else
   ``ANONYMOUS``;
2. otherwise by their pseudonym in the debate;
3. without one, a registered account by its username; a guest account (made
   for one debate by ``services.membership.guest_create``) never by its
   internal ``guest-…`` username, but by the pseudonym it was made with
   (kept as its first name), else ``UNNAMED``.

A deleted account is ``None`` (the API's null; pages say "a former
participant"). Moderators read the rule like everyone; ``account_name`` adds
the registered account a pseudonym stands for, where they need it.

``names_for`` names many people of one debate with one query; ``naming``
gives an object that reads a debate's names at most once, for a page or a
response that meets people one by one; ``name_for`` names one person.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from deliberation.models import Debate, Membership
from deliberation.names import is_guest_username
from deliberation.rules import cached_membership, may_moderate, membership_is_cached

ANONYMOUS = "Anonymous"
UNNAMED = "A participant"


def authors_hidden_from(user, debate: Debate) -> bool:
    """In an anonymous debate only moderators see who wrote what (everyone
    else sees generated names; a person always sees their own name)."""
    return debate.anonymity and not may_moderate(user, debate)


@dataclass(frozen=True)
class _Member:
    """What the rule needs of a membership."""

    pseudonym: str = ""
    animal_name: str = ""
    guest: bool = False


_NOT_A_MEMBER = _Member()


def _member(membership: Membership | None) -> _Member:
    if membership is None:
        return _NOT_A_MEMBER
    return _Member(membership.pseudonym, membership.animal_name, membership.guest)


def _is_guest(user, member: _Member) -> bool:
    """A guest account: its membership here says so, or (met outside the
    debate it was made for) its username has the guest shape."""
    return member.guest or is_guest_username(user.get_username())


def _members_of(debate_id: int, user_ids=None) -> dict[int, _Member]:
    """user id → names in the debate. One query."""
    rows = Membership.objects.filter(debate_id=debate_id)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return {
        user_id: _Member(pseudonym, animal, guest)
        for user_id, pseudonym, animal, guest in rows.values_list(
            "user_id", "pseudonym", "animal_name", "guest"
        )
    }


def account_name(user) -> str:
    """The registered account's username, for moderators; "" for a guest
    account (its username is internal) or a deleted one."""
    if user is None or _is_guest(user, _NOT_A_MEMBER):
        return ""
    return user.get_username()


class Naming:
    """How ``viewer`` sees the people of ``debate`` (None: outside any
    debate, so accounts only). The members' names are read at most once."""

    def __init__(self, viewer, debate: Debate | None):
        viewer = viewer if viewer is not None else AnonymousUser()
        self.viewer = viewer
        self.debate = debate
        self.viewer_id = viewer.pk if viewer.is_authenticated else None
        self.hidden = debate is not None and authors_hidden_from(viewer, debate)
        self._members: dict[int, _Member] = {}
        self._complete = debate is None  # no debate: nobody has names in it
        self._moderates: bool | None = None

    def load(self, users: Iterable) -> "Naming":
        """Read the names of ``users`` (objects or ids) in one query, unless
        they are known already."""
        ids = {getattr(u, "pk", u) for u in users if u is not None}
        missing = ids - self._members.keys()
        if missing and not self._complete:
            found = _members_of(self.debate.pk, missing)
            self._members.update({pk: found.get(pk, _NOT_A_MEMBER) for pk in missing})
        return self

    def remember(self, membership: Membership) -> None:
        """Use a membership already read (no query to name its person)."""
        self._members[membership.user_id] = _member(membership)

    def remember_all(self, memberships: Iterable[Membership]) -> None:
        """Use every membership of the debate, read by the caller for its own
        needs too: nobody is looked up again."""
        for membership in memberships:
            self.remember(membership)
        self._complete = True

    def _lookup(self, user) -> _Member:
        if self._complete or user.pk in self._members:
            return self._members.get(user.pk, _NOT_A_MEMBER)
        if user.pk == self.viewer_id and membership_is_cached(
            self.viewer, self.debate.pk
        ):
            # The viewer's own membership, as the permission checks read it.
            return _member(cached_membership(self.viewer, self.debate.pk))
        # Met one by one (a page's bylines): every member at once.
        self._members.update(_members_of(self.debate.pk))
        self._complete = True
        return self._members.get(user.pk, _NOT_A_MEMBER)

    def __call__(self, user) -> str | None:
        """The name of ``user`` (a User, or None for a deleted account)."""
        if user is None:
            return None
        return self._name(user, self._lookup(user))

    @property
    def moderates(self) -> bool:
        """The viewer moderates the debate (asked once)."""
        if self._moderates is None:
            self._moderates = self.debate is not None and may_moderate(
                self.viewer, self.debate
            )
        return self._moderates

    def with_account(self, user) -> str | None:
        """The name, and for the debate's moderators the registered account
        a pseudonym stands for ("Ada (account ada42)"); a guest's internal
        account is never added, nor an account that is the name itself."""
        name = self(user)
        if name is None or not self.moderates:
            return name
        account = account_name(user)
        return f"{name} (account {account})" if account and account != name else name

    def member(self, membership: Membership) -> str:
        """The name of a membership's person, from the row itself (its
        ``user`` loaded): no query."""
        self.remember(membership)
        return self._name(membership.user, _member(membership))

    def _name(self, user, member: _Member) -> str:
        if self.hidden and user.pk != self.viewer_id:
            return member.animal_name or ANONYMOUS
        if member.pseudonym:
            return member.pseudonym
        if _is_guest(user, member):
            return user.first_name or UNNAMED
        return user.get_username()


def naming(viewer, debate: Debate | None) -> Naming:
    """How ``viewer`` sees the people of ``debate``; reads lazily."""
    return Naming(viewer, debate)


def moderators_naming(debate: Debate) -> Naming:
    """How the debate's moderators see its people (the review queue, which
    only they read): never hidden by the anonymity rule."""
    names = Naming(None, debate)
    names.hidden = False
    names._moderates = True
    return names


def names_for(viewer, debate: Debate, users: Iterable) -> dict[int, str]:
    """user id → name of each of ``users`` (User objects; None skipped) as
    ``viewer`` sees them in ``debate``. One query."""
    users = [u for u in users if u is not None]
    names = Naming(viewer, debate).load(users)
    return {user.pk: names(user) for user in users}


def name_for(viewer, debate: Debate | None, user) -> str | None:
    """The name of one person as ``viewer`` sees them in ``debate``. No query
    when the person's membership is already known for this request."""
    names = Naming(viewer, debate)
    if (
        user is not None
        and debate is not None
        and membership_is_cached(user, debate.pk)
    ):
        membership = cached_membership(user, debate.pk)
        names._members[user.pk] = _member(membership)
    else:
        names.load([user])
    return names(user)


def public_name(debate: Debate, user) -> str | None:
    """The name every reader of ``debate`` may see (what live events carry:
    they go to everyone watching the debate)."""
    return name_for(AnonymousUser(), debate, user)
