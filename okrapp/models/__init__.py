"""All models, importable from one place so Alembic and the app see the same metadata."""
from .board import BoardSummary, SummaryDelivery, SummaryRecipient, SummarySchedule
from .incentive import (ConflictFinding, FindingEvent, Incentive, IncentiveProposal, MetricLink,
                        finding_units)
from .metric import Metric
from .ops import JobRun, OutboxMessage, apscheduler_jobs
from .review import ReviewDecision, ReviewMeeting, ReviewSchedule, schedule_participants
from .okr import CheckIn, Cycle, KeyResult, Objective, ObjectiveWeek, RankChange, kr_contributors
from .unit import UNIT_KINDS, Unit, unit_leaders
from .user import ROLES, AuthEvent, User

__all__ = [
    "ObjectiveWeek",
    "BoardSummary", "SummaryDelivery", "SummaryRecipient", "SummarySchedule",
    "JobRun", "OutboxMessage", "apscheduler_jobs", "ReviewDecision", "ReviewMeeting", "ReviewSchedule",
    "schedule_participants",
    "ConflictFinding", "FindingEvent", "Incentive", "IncentiveProposal", "MetricLink", "finding_units",
    "AuthEvent", "CheckIn", "Cycle", "KeyResult", "Metric", "Objective", "RankChange",
    "ROLES", "UNIT_KINDS", "Unit", "User", "kr_contributors", "unit_leaders",
]
