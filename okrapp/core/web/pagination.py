"""Long lists come a page at a time, so a page's size and query count stay fixed."""
from dataclasses import dataclass

from flask import request

from okrapp.core.web.validators import bounded_int


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page(total: int, per_page: int) -> Page:
    """The page named by ?page=N, kept within range."""
    number = bounded_int(request.args.get("page"), 1) or 1
    pages = max(1, -(-total // per_page))
    return Page(min(max(1, number), pages), per_page, total)
