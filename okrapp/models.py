"""All models, importable from one place so Alembic and the app see the same metadata."""
from okrapp.board.models import BoardSummary, SummaryDelivery, SummaryNote, SummaryRecipient, SummarySchedule
from okrapp.conflicts.models import ConflictItem, ConflictItemClass, ConflictItemEvent, ConflictScanState
from okrapp.incentives.models import (BonusPlan, Incentive, IncentiveProposal, IncentiveVersion, MetricLink, MetricPair,
                                      PlanPeriod)
from okrapp.okrs.metric_models import Metric, MetricValue, MetricWeek
from okrapp.core.caching.models import CacheVersion
from okrapp.core.models import JobRun, OutboxMessage, SchedulerState, apscheduler_jobs
from okrapp.reviews.models import (
    Pilot, ReviewDecision, ReviewMeeting, ReviewSchedule, decision_items, meeting_attendees, pilot_key_results,
    pilot_units, schedule_participants)
from okrapp.okrs.models import (
    CheckIn, Cycle, KeyResult, Objective, ObjectiveWeek, RankChange, TargetChange, kr_contributors)
from okrapp.admin.models import UNIT_KINDS, Unit, unit_leaders
from okrapp.integrations.models import ChatChannel, WebhookDelivery, WebhookEndpoint
from okrapp.accounts.models import ROLES, AccountEvent, AccountLink, ApiToken, AuthEvent, LoginThrottle, User

__all__ = [
    "ObjectiveWeek", "CacheVersion", "ChatChannel", "WebhookDelivery", "WebhookEndpoint",
    "BoardSummary", "SummaryDelivery", "SummaryNote", "SummaryRecipient", "SummarySchedule",
    "JobRun", "OutboxMessage", "SchedulerState", "apscheduler_jobs", "meeting_attendees",
    "ReviewDecision", "ReviewMeeting", "ReviewSchedule",
    "schedule_participants", "Pilot", "decision_items", "pilot_key_results", "pilot_units", "TargetChange",
    "IncentiveVersion",
    "ConflictItem", "ConflictItemClass", "ConflictItemEvent", "ConflictScanState",
    "BonusPlan", "Incentive", "IncentiveProposal", "MetricLink", "MetricPair", "PlanPeriod",
    "AccountEvent", "AccountLink", "AuthEvent", "LoginThrottle", "CheckIn", "Cycle", "KeyResult", "Metric", "MetricWeek", "Objective", "RankChange",
    "ApiToken", "MetricValue", "ROLES", "UNIT_KINDS", "Unit", "User", "kr_contributors", "unit_leaders",
]
