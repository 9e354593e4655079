"""SQLModel tables (the system of record) and the database session.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from nmrf.models.audit import AuditEntry
from nmrf.models.cycles import (
    CLOSED_STATUSES,
    Cycle,
    CycleDeparture,
    CycleEvent,
    CycleInstitution,
    CycleMember,
    Milestone,
    Record,
)
from nmrf.models.documents import DOCUMENT_KINDS, DocumentContent, InputDocument
from nmrf.models.feeds import FEED_SCOPES, FeedLink, FeedState
from nmrf.models.costs import COST_BASES, CostItem
from nmrf.models.meetings import (
    MEETING_KINDS,
    SERIES_FREQUENCIES,
    Meeting,
    MeetingOccurrence,
    MeetingSeries,
    MinuteItem,
)
from nmrf.models.notifications import (
    OPENING_KINDS,
    Acknowledgement,
    Attachment,
    MessageFile,
    StageNotice,
    CycleSweep,
    Delivery,
    DeliveryAttempt,
    EscalationChain,
    Notification,
    NotificationPolicy,
)
from nmrf.models.console import API_SCOPES, ApiToken, ConsoleSession, SignInLink, SignInRequest
from nmrf.models.pages import PageLink
from nmrf.models.pledges import Pledge, StatusRequest
from nmrf.models.people import ROLES, Address, Institution, Person, RoleAssignment
from nmrf.models.recommendations import (
    ActionUpdate,
    Cluster,
    FollowUpAction,
    InputAnswer,
    InputRequest,
    Recommendation,
    RecommendationImport,
    Responsibility,
)
from nmrf.models.state import State

__all__ = [
    "CLOSED_STATUSES", "ROLES", "Acknowledgement", "Address", "AuditEntry", "Cycle", "CycleDeparture", "CycleEvent",
    "CycleInstitution", "CycleMember", "CycleSweep", "DOCUMENT_KINDS", "DocumentContent", "InputDocument", "Delivery", "DeliveryAttempt", "EscalationChain",
    "FEED_SCOPES", "FeedLink", "FeedState", "Institution", "MEETING_KINDS", "Meeting", "Milestone",
    "Notification", "NotificationPolicy", "PageLink", "Person", "Record", "RoleAssignment", "State",
    "ActionUpdate", "Cluster", "FollowUpAction", "InputAnswer", "InputRequest", "Recommendation",
    "RecommendationImport", "Responsibility", "API_SCOPES", "ApiToken", "ConsoleSession", "SignInLink",
    "SignInRequest", "OPENING_KINDS", "Attachment", "MessageFile", "StageNotice",
    "COST_BASES", "CostItem", "SERIES_FREQUENCIES", "MeetingOccurrence", "MeetingSeries", "MinuteItem", "Pledge", "StatusRequest",
]
