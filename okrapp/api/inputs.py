"""What the API's list of key results and its writes accept: bounded, finite, single-line where the
pages' fields are. A change names only the fields it changes (PATCH); the rules the forms keep (a
target that differs from the baseline, a bonus share within the unit's total, no duplicate row) are
the features' operations', not repeated here."""
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from okrapp.api.schemas import Id, Moment, Number, Source, Strict, _text
from okrapp.core.web.validators import text_problem
from okrapp.core.words import _
from okrapp.domain.scoring import STATUSES


def _line(value: str) -> str:
    problem = text_problem(value, single_line=True)
    if problem:
        raise ValueError(problem)
    if not value.strip():
        raise ValueError(_("Write something other than spaces."))
    return value


Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_line)]
Description = Annotated[str, Field(max_length=4000), AfterValidator(_text)]
Note = Annotated[str, Field(max_length=2000), AfterValidator(_text)]
MetricKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
Weight = Annotated[float, Field(allow_inf_nan=False, ge=0.01, le=100)]
Share = Annotated[float, Field(allow_inf_nan=False, gt=0, le=1)]
Period = Annotated[str, Field(max_length=40), AfterValidator(_text)]
Page = Annotated[int, Field(ge=1, le=100000)]
PerPage = Annotated[int, Field(ge=1, le=200)]


class KeyResultQuery(Strict):
    cycle: Id | None = None
    unit: Id | None = Field(None, description="Accountable for or contributing to the key result.")
    objective: Id | None = None
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    at_risk: bool | None = Field(None, description="true: at risk or off track; false: on track.")
    updated_since: Moment | None = Field(None, description="Changed or checked in on since (ISO 8601).")
    page: Page = 1
    per_page: PerPage = 50


class IfMatch(BaseModel):
    """The ETag read before; required to change or retire a record (428 without, 412 when stale)."""
    model_config = ConfigDict(populate_by_name=True)

    if_match: Annotated[str, Field(max_length=1000)] | None = Field(None, alias="If-Match")


class ObjectiveIn(Strict):
    cycle: Id
    title: Title
    description: Description = ""


class ObjectivePatch(Strict):
    title: Title | None = None
    description: Description | None = None


class KeyResultPatch(Strict):
    title: Title | None = None
    metric: MetricKey | None = None
    baseline: Number | None = Field(None, description="Required unless the metric is a milestone (0 to 1).")
    target: Number | None = None
    accountable_unit: Id | None = None
    contributors: Annotated[list[Id], Field(max_length=100)] | None = None
    weight: Weight | None = None
    commitment: Literal["committed", "aspirational"] | None = None
    value_source: Source | None = Field(None, description="The source whose pushed values become check-ins.")


class KeyResultIn(KeyResultPatch):
    objective: Id
    title: Title
    metric: MetricKey
    accountable_unit: Id
    contributors: Annotated[list[Id], Field(max_length=100)] = []
    weight: Weight = 1.0
    commitment: Literal["committed", "aspirational"] = "committed"


class IncentivePatch(Strict):
    unit: Id | None = None
    name: Title | None = None
    metric: MetricKey | None = None
    direction: Literal["increase", "decrease"] | None = None
    weight: Share | None = Field(None, description="The share of the unit's bonus, above 0 and at most 1.")
    target: Number | None = None
    period: Period | None = Field(None, description="The plan period's name, e.g. 2026 or 2026 H2.")
    note: Note | None = None


class IncentiveIn(IncentivePatch):
    unit: Id
    name: Title
    metric: MetricKey
    direction: Literal["increase", "decrease"]
    weight: Share
    period: Period = ""
    note: Note = ""
