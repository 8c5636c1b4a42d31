"""Emergency access (备用锁匙) and the notices managers must see.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .keys import close_emergency, list_emergencies, open_emergency
from .notices import Notice, acknowledge, notices, unacknowledged
from ..emergency_rights import Emergency, EmergencyStatus, active_for

__all__ = ["Emergency", "EmergencyStatus", "Notice", "acknowledge", "active_for",
           "close_emergency", "list_emergencies", "notices", "open_emergency", "unacknowledged"]
