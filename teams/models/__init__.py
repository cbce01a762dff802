from .acting import ActingLeader
from .party import Party
from .person import Person, UserPreference
from .team import Membership, Team

__all__ = ["ActingLeader", "Membership", "Party", "Person", "Team", "UserPreference"]
