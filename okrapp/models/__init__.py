"""All models, importable from one place so Alembic and the app see the same metadata."""
from .board import BoardSummary, SummaryDelivery, SummaryNote, SummaryRecipient, SummarySchedule
from .conflict import ConflictItem, ConflictItemClass, ConflictItemEvent, ConflictScanState
from .incentive import Incentive, IncentiveProposal, IncentiveVersion, MetricLink
from .metric import Metric, MetricValue, MetricWeek
from .ops import JobRun, OutboxMessage, SchedulerState, apscheduler_jobs
from .review import (Pilot, ReviewDecision, ReviewMeeting, ReviewSchedule, decision_items, meeting_attendees,
                     pilot_key_results, pilot_units, schedule_participants)
from .okr import CheckIn, Cycle, KeyResult, Objective, ObjectiveWeek, RankChange, TargetChange, kr_contributors
from .unit import UNIT_KINDS, Unit, unit_leaders
from .user import ROLES, ApiToken, AuthEvent, LoginThrottle, User

__all__ = [
    "ObjectiveWeek",
    "BoardSummary", "SummaryDelivery", "SummaryNote", "SummaryRecipient", "SummarySchedule",
    "JobRun", "OutboxMessage", "SchedulerState", "apscheduler_jobs", "meeting_attendees",
    "ReviewDecision", "ReviewMeeting", "ReviewSchedule",
    "schedule_participants", "Pilot", "decision_items", "pilot_key_results", "pilot_units", "TargetChange",
    "IncentiveVersion",
    "ConflictItem", "ConflictItemClass", "ConflictItemEvent", "ConflictScanState",
    "Incentive", "IncentiveProposal", "MetricLink",
    "AuthEvent", "LoginThrottle", "CheckIn", "Cycle", "KeyResult", "Metric", "MetricWeek", "Objective", "RankChange",
    "ApiToken", "MetricValue", "ROLES", "UNIT_KINDS", "Unit", "User", "kr_contributors", "unit_leaders",
]
