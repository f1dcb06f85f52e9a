"""Reading in bulk: the list of key results with its filters and pages, conflict items with their
pairs and evidence, a review's agenda and decisions, and the board archive.

Paged lists answer with the total in the body and in X-Total-Count, and a Link header (RFC 8288)
naming the first, last, previous and next pages, so a client walks them without counting."""
from urllib.parse import urlencode

from flask import Blueprint, request

from okrapp.api import inputs as i
from okrapp.api import operations as ops
from okrapp.api import output as out
from okrapp.api import schemas as s
from okrapp.api.auth import token_required
from okrapp.api.spec import api_spec
from okrapp.core import policy
from okrapp.core.timeutil import local_today
from okrapp.domain.scoring import elapsed_share

bp = Blueprint("records", __name__)


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
