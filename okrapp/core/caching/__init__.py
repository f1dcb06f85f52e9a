"""Pages computed once per change instead of once per request.

versions.py  a token per aggregate (okrs, conflicts, reviews, board, incentives, people) in the
             cache_versions table, renewed in the same transaction as any change to its tables
hooks.py     the session events that renew them: every ORM flush and bulk statement, mapped table →
             aggregate, so no write path is forgotten
store.py     Flask-Caching: in-process SimpleCache by default, Redis (OKRAPP_CACHE_URL) shared by workers
pages.py     @cached_page: the rendered page kept under versions + viewer + language + time zone + day,
             per-session parts (CSRF token, the user's name) filled in per request; ETag and 304
static.py    static assets fingerprinted in their URL and cached by browsers for a year"""


def init_app(app) -> None:
    from okrapp.core.caching import hooks, pages, static, store
    store.init_app(app)
    hooks.install()
    pages.init_app(app)
    static.init_app(app)


def clear() -> None:
    """Forget every kept page: every version renewed (so each process's own cache misses too), then the
    shared backend emptied of this instance's entries (its key prefix)."""
    from okrapp.core.caching import store, versions
    from okrapp.core.extensions import db
    versions.renew_all()
    db.session.commit()
    store.clear()
