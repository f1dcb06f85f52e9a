"""An operation owns its transaction: the outermost operation of a request, a CLI command or a job
commits when it returns and rolls back when it raises, so a view never commits and a refused change
leaves nothing half-written. Operations called inside another join its transaction; so does every
operation inside a job's work, because a job marks its period done in the same commit (jobs.run_job
wraps the work in `joined()`)."""
from contextlib import contextmanager
from functools import wraps

from flask import g

from okrapp.core.extensions import db


def operation(function):
    """Mark a function views (or the CLI) call as one unit of work."""
    @wraps(function)
    def run(*args, **kwargs):
        with joined() as outermost:
            result = function(*args, **kwargs)
            if outermost:
                db.session.commit()
            return result
    return run


@contextmanager
def joined():
    """Run the block as part of the enclosing unit of work; yields whether there is none (this block is
    the outermost). An outermost block that raises rolls back."""
    depth = g.get("operation_depth", 0)  # per app context, like the session: a request is never
    g.operation_depth = depth + 1         # nested in a job, even when a test runs one inside the other
    try:
        yield depth == 0
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        g.operation_depth = depth
