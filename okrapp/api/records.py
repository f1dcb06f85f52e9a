"""Reading in bulk: the list of key results with its filters and pages, conflict items with their
pairs and evidence, a review's agenda and decisions, and the board archive.

Paged lists answer with the total in the body and in X-Total-Count, and a Link header (RFC 8288)
naming the first, last, previous and next pages, so a client walks them without counting."""
import json
from urllib.parse import urlencode

from flask import Blueprint, request

from okrapp.api import inputs as i
from okrapp.api import operations as ops
from okrapp.api import output as out
from okrapp.api import schemas as s
from okrapp.api.auth import ApiError, api_user, token_required
from okrapp.api.spec import api_spec
from okrapp.board import operations as board_service
from okrapp.conflicts import operations as conflict_service
from okrapp.conflicts import pages as conflict_pages
from okrapp.core import policy
from okrapp.core.timeutil import local_today
from okrapp.domain.scoring import elapsed_share

bp = Blueprint("records", __name__, url_prefix="/api/v1")  # nested in api.views.bp


def paging_headers(total: int, page: int, per_page: int) -> dict:
    """X-Total-Count and the Link header for one page of total items."""
    pages = max(1, -(-total // per_page))
    args = request.args.to_dict()

    def link(number: int, rel: str) -> str:
        return f'<{request.base_url}?{urlencode({**args, "page": number, "per_page": per_page})}>; rel="{rel}"'
    links = [link(1, "first"), link(pages, "last")]
    if page > 1:
        links.append(link(min(page - 1, pages), "prev"))
    if page < pages:
        links.append(link(page + 1, "next"))
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


@bp.get("/key-results")
@token_required(policy.can_view)
@api_spec.validate(query=i.KeyResultQuery, resp=out.responses(200, s.KeyResultPage), tags=["objectives"])
def key_results():
    """Key results by id, filtered by cycle, unit (accountable or contributing), objective, status, at
    risk and updated since; retired ones are left out. Paged: page, per_page (at most 200)."""
    query = i.KeyResultQuery.model_validate(request.args.to_dict())
    today = local_today()
    total, found = ops.key_result_page(query, today)
    elapsed = {}
    items = []
    for kr in found:
        cycle = kr.objective.cycle
        if cycle.id not in elapsed:
            elapsed[cycle.id] = elapsed_share(cycle.starts_on, cycle.ends_on, today)
        items.append(out.key_result(kr, elapsed[cycle.id]))
    body = s.KeyResultPage(items=items, page=query.page, per_page=query.per_page,
                           pages=max(1, -(-total // query.per_page)), total=total)
    return body, 200, paging_headers(total, query.page, query.per_page)


# -- conflict items with their pairs and evidence ----------------------------------------------

@bp.get("/conflicts/<int:item_id>")
@token_required(policy.can_view)
@api_spec.validate(query=s.EvidenceQuery, resp=out.responses(200, s.ConflictItemDetail, 404), tags=["conflicts"])
def conflict_item(item_id):
    """A conflict item with its blocks of evidence (why, worded in the reader's language), one page of
    the pairs of goals behind it, worst first, and its history. Unit leaders open their units' items."""
    query = s.EvidenceQuery.model_validate(request.args.to_dict())
    item = ops.conflict_item(api_user(), item_id)
    if item is None:
        raise ApiError(404)
    pairs, total = conflict_service.item_evidence(item, query.per_page, (query.page - 1) * query.per_page)
    blocks = [s.BlockOut(kind=b["kind"], a=b["a"], b=b["b"], strength=b.get("strength", 0.0),
                         severity=b.get("severity", 0.0), pairs=b.get("pairs", 0), explanation=b["explanation"],
                         paths=b.get("paths", [])) for b in item.worded_blocks(conflict_pages.metric_names())]
    body = s.ConflictItemDetail(
        id=item.id, kind=item.kind, title=item.title, summary=item.summary_text, level=item.level,
        severity=item.severity, status=item.status, pairs=item.pairs, present=item.present,
        explanation=blocks[0].explanation if blocks else item.explanation, note=item.note,
        first_seen_at=item.first_seen_at, last_seen_at=item.last_seen_at, resolved_at=item.resolved_at,
        review_meeting=item.review_meeting_id, settled_by=item.settled_by_id, blocks=blocks,
        evidence=[s.PairOut(first=p.first, second=p.second, kind=p.kind, severity=p.severity, block=p.block)
                  for p in pairs], evidence_total=total, page=query.page, per_page=query.per_page,
        events=[s.ItemEventOut(at=e.at, action=e.action, label=e.label, actor=e.actor.name if e.actor else None,
                               note=e.note_text) for e in item.events])
    return body, 200, paging_headers(total, query.page, query.per_page)


# -- a review's agenda and decisions -----------------------------------------------------------

@bp.get("/reviews/<int:meeting_id>")
@token_required(policy.can_view)
@api_spec.validate(resp=out.responses(200, s.MeetingDetail, 404), tags=["reviews"])
def review(meeting_id):
    """A review with its agenda (a scheduled one's as of now, a held one's as it was kept) and the
    decisions recorded in it. The agenda's conflicts are those the caller may open."""
    found = ops.meeting(meeting_id)
    if found is None:
        raise ApiError(404)
    agenda = ops.agenda(found, api_user())
    return s.MeetingDetail(**out.meeting(found).model_dump(),
                           agenda=s.AgendaOut.model_validate(agenda) if agenda is not None else None)


# -- the board archive -------------------------------------------------------------------------

def _summary(found) -> dict:
    return dict(id=found.id, period=found.period, title=board_service.title_of(found),
                subject=board_service.subject_of(found), covers_from=found.covers_from, covers_to=found.covers_to,
                created_at=found.created_at)


@bp.get("/board/summaries")
@token_required(policy.can_read_summaries)
@api_spec.validate(query=s.SummaryQuery, resp=out.responses(200, s.SummaryList), tags=["board"])
def summaries():
    """The board summaries sent, latest first (board members, executives and admins)."""
    query = s.SummaryQuery.model_validate(request.args.to_dict())
    total, found = ops.summaries(query.per_page, (query.page - 1) * query.per_page)
    return (s.SummaryList(items=[s.SummaryOut(**_summary(f)) for f in found], total=total), 200,
            paging_headers(total, query.page, query.per_page))


@bp.get("/board/summaries/<int:summary_id>")
@token_required(policy.can_read_summaries)
@api_spec.validate(resp=out.responses(200, s.SummaryDetail, 404), tags=["board"])
def summary(summary_id):
    """One summary as sent: its figures and its plain-text mail."""
    found = ops.summary(summary_id)
    if found is None:
        raise ApiError(404)
    return s.SummaryDetail(**_summary(found), figures=json.loads(found.figures or "{}"), text=found.text_body)
