"""What the API accepts and answers: pydantic models, the single source of the OpenAPI document.
Numbers in are finite and bounded; texts are bounded; times are ISO 8601."""
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from okrapp.domain.numbers import LIMIT
from okrapp.core.web.validators import date_problem, text_problem

Number = Annotated[float, Field(allow_inf_nan=False, ge=-LIMIT, le=LIMIT)]
# Stored times are naive UTC; answers say so (RFC 3339 needs the offset).
UtcTime = Annotated[datetime, AfterValidator(lambda d: d.replace(tzinfo=UTC) if d.tzinfo is None else d)]


def _moment(value: datetime) -> datetime:
    """Within the years every page accepts; checked before any conversion to UTC, which overflows
    at the ends of the calendar (9999-12-31T23:00-14:00)."""
    problem = date_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _text(value: str) -> str:
    problem = text_problem(value, single_line=False)
    if problem:
        raise ValueError(problem)
    return value


Moment = Annotated[datetime, AfterValidator(_moment)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Source = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._:/@-]*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    error: str
    details: list[str] | None = None
    missing_scope: str | None = Field(None, description="The scope a token lacks (403).")
    current_version: int | None = Field(None, description="The record's version now (412), also its ETag.")


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str


class Ref(BaseModel):
    id: int
    name: str


class CheckInOut(BaseModel):
    id: int
    value: float
    confidence: int
    comment: str
    at: UtcTime
    recorded_at: UtcTime | None
    author: str | None
    source: str
    corrects: int | None
    superseded_at: UtcTime | None


class KeyResultOut(BaseModel):
    id: int
    objective_id: int
    title: str
    metric: str
    unit: str
    baseline: float
    target: float
    current_value: float
    progress: float
    status: str
    forecast: float | None
    confidence: int | None
    last_check_in_at: UtcTime | None
    value_source: str | None
    accountable_unit: Ref
    weight: float
    commitment: str
    version: int = Field(description="Also the ETag of the key result; send it in If-Match to change it.")
    updated_at: UtcTime | None = None
    retired_at: UtcTime | None = None


class KeyResultDetail(KeyResultOut):
    check_ins: list[CheckInOut]


class CycleOut(BaseModel):
    id: int
    name: str
    starts_on: date
    ends_on: date


class ObjectiveOut(BaseModel):
    id: int
    title: str
    description: str
    rank: int
    cycle: CycleOut
    progress: float | None
    status: str | None
    key_results: list[KeyResultOut]
    version: int = Field(description="Also the ETag of the objective; send it in If-Match to change it.")
    retired_at: UtcTime | None = None


class ObjectivePage(BaseModel):
    items: list[ObjectiveOut]
    page: int
    pages: int
    total: int


class ObjectiveQuery(Strict):
    cycle: Id | None = None
    page: Annotated[int, Field(ge=1, le=100000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 25


class CheckInIn(Strict):
    value: Number
    confidence: Annotated[int, Field(ge=0, le=10)] = 7
    comment: Annotated[str, Field(max_length=2000), AfterValidator(_text)] = ""
    confirm: bool = Field(False, description="Set when a value far off the key result's path is right.")


class MetricOut(BaseModel):
    key: str
    name: str
    unit: str
    min_value: float | None
    max_value: float | None
    kind: str


class MetricList(BaseModel):
    items: list[MetricOut]


class PointIn(Strict):
    at: Moment = Field(description="When the value was measured (ISO 8601; without an offset it is UTC).")
    value: Number
    source: Source | None = Field(None, description="Overrides the call's source for this point.")


class ValuesIn(Strict):
    source: Source = Field(description="The system that measured, e.g. “surveytool”.")
    points: Annotated[list[PointIn], Field(min_length=1, max_length=1000)]


class PushOut(BaseModel):
    stored: int
    unchanged: int
    changed: int
    check_ins: int


class PointOut(BaseModel):
    at: UtcTime
    value: float
    source: str


class ValuesQuery(Strict):
    since: Moment | None = None
    source: Source | None = None


class SeriesOut(BaseModel):
    metric: str
    items: list[PointOut]


class IncentiveOut(BaseModel):
    id: int
    unit: Ref
    name: str
    metric: str
    direction: str
    weight: float
    target: float | None
    period: str
    period_starts_on: date | None = None
    period_ends_on: date | None = None
    plan_status: str | None = None  # a coming period's plan: draft, in_review, approved, in_effect, rejected
    active: bool
    note: str = ""
    version: int = Field(description="Also the ETag of the incentive; send it in If-Match to change it.")
    retired_at: UtcTime | None = None


class IncentiveList(BaseModel):
    items: list[IncentiveOut]


class ConflictItemOut(BaseModel):
    id: int
    kind: str
    title: str
    summary: str
    level: str
    severity: float
    status: str
    pairs: int
    present: bool


class ConflictItemList(BaseModel):
    items: list[ConflictItemOut]
    total: int


class ConflictQuery(Strict):
    status: Annotated[str, Field(pattern=r"^(open|all)$")] = "open"
    page: Annotated[int, Field(ge=1, le=100000)] = 1
    per_page: Annotated[int, Field(ge=1, le=200)] = 50


class DecisionOut(BaseModel):
    id: int
    kind: str
    text: str
    changes: list[str]
    settles: list[int]


class MeetingOut(BaseModel):
    id: int
    name: str
    starts_at: UtcTime
    ends_at: UtcTime
    status: str
    decisions: list[DecisionOut]


class MeetingList(BaseModel):
    items: list[MeetingOut]


class MeetingQuery(Strict):
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class KeyResultPage(BaseModel):
    items: list[KeyResultOut]
    page: int
    per_page: int
    pages: int
    total: int


class BlockOut(BaseModel):
    """One block of evidence: a class of goals pushing a metric against another, and why."""
    kind: str
    a: str
    b: str
    strength: float
    severity: float
    pairs: int
    explanation: str
    paths: list[list[str]]


class PairOut(BaseModel):
    first: str
    second: str
    kind: str
    severity: float
    block: int = Field(description="Index into blocks.")


class ItemEventOut(BaseModel):
    at: UtcTime
    action: str
    label: str
    actor: str | None
    note: str


class ConflictItemDetail(ConflictItemOut):
    explanation: str
    note: str
    first_seen_at: UtcTime
    last_seen_at: UtcTime | None
    resolved_at: UtcTime | None
    review_meeting: int | None
    settled_by: int | None
    blocks: list[BlockOut]
    evidence: list[PairOut] = Field(description="One page of the pairs of goals, worst first.")
    evidence_total: int
    page: int
    per_page: int
    events: list[ItemEventOut]


class EvidenceQuery(Strict):
    page: Annotated[int, Field(ge=1, le=100000)] = 1
    per_page: Annotated[int, Field(ge=1, le=200)] = 50


class AgendaOut(BaseModel):
    """The agenda as the review page shows it: rows of each section, the counts left off (more)."""
    generated_at: str | None = None
    since: str | None = None
    priorities: list[dict] = []
    at_risk: list[dict] = []
    stale: list[dict] = []
    confidence_drops: list[dict] = []
    sent_to_review: list[dict] = []
    conflicts: list[dict] = []
    more_conflicts: int = 0
    more: dict[str, int] = {}
    pilots: list[dict] = []
    proposals: list[dict] = []
    open_actions: list[dict] = []


class MeetingDetail(MeetingOut):
    agenda: AgendaOut | None


class SummaryOut(BaseModel):
    id: int
    period: str
    title: str
    subject: str
    covers_from: UtcTime | None
    covers_to: UtcTime
    created_at: UtcTime


class SummaryList(BaseModel):
    items: list[SummaryOut]
    total: int


class SummaryDetail(SummaryOut):
    figures: dict = Field(description="The figures the summary was written from, as sent.")
    text: str = Field(description="The plain-text mail as sent.")


class SummaryQuery(Strict):
    page: Annotated[int, Field(ge=1, le=100000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20
