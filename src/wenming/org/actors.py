"""Who acts: a person, for which unit, in which role; recorded with every step they take."""

from dataclasses import dataclass

from wenming.org.models import Role, Unit
from wenming.org.scope import acting_membership


@dataclass(frozen=True)
class Actor:
    user: object
    unit: Unit | None
    role: str | None

    @property
    def label(self) -> str:
        return getattr(getattr(self.user, "profile", None), "real_name", "") or getattr(self.user, "username", "")


# Steps the system takes on its own (automatic dispatch, overdue flags).
SYSTEM = Actor(None, None, None)


def actor_for(user) -> Actor:
    """The person as they act now: for their acting membership's unit and role (citizens have neither)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    membership = acting_membership(user)
    if membership is None:
        return Actor(user, None, Role.CITIZEN)
    return Actor(user, membership.unit, membership.role)
