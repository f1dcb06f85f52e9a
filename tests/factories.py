"""Small builders over the real services, so test data obeys the same rules as user data."""
from datetime import date
from itertools import count

from sqlalchemy import select

from okrapp.core.extensions import db
from okrapp.okrs.metric_models import Metric
from okrapp.accounts import people
from okrapp.admin import operations as admin
from okrapp.okrs import operations as okrs

PASSWORD = "correct horse battery"
_seq = count(1)


def metric(key: str) -> Metric:
    return db.session.scalar(select(Metric).where(Metric.key == key))


def make_user(role="executive", email=None, name=None, units=(), password=PASSWORD):
    n = next(_seq)
    user = people.create_user(email or f"{role}{n}@example.com", name or f"{role.title()} {n}", role, password,
                             list(units))
    db.session.commit()
    return user


def make_unit(name=None, kind="business_unit", leaders=()):
    unit = admin.save_unit(None, name or f"Unit {next(_seq)}", kind, "", list(leaders))
    db.session.commit()
    return unit


def make_cycle(name=None, starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)):
    cycle = admin.save_cycle(None, name or f"Cycle {next(_seq)}", starts_on, ends_on)
    db.session.commit()
    return cycle


def make_objective(cycle=None, title=None, by=None):
    objective = okrs.create_objective(cycle or make_cycle(), title or f"Objective {next(_seq)}", "",
                                      by or make_user("executive"))
    db.session.commit()
    return objective


def make_key_result(objective=None, unit=None, metric_key="csat", baseline=70.0, target=80.0,
                    contributors=(), weight=1.0, commitment="committed", by=None):
    objective = objective or make_objective()
    kr = okrs.save_key_result(
        None, objective, title=f"KR {next(_seq)}", metric=metric(metric_key), baseline=baseline, target=target,
        accountable_unit=unit or make_unit(), contributors=list(contributors), weight=weight,
        commitment=commitment, by=by or objective.created_by)
    db.session.commit()
    return kr
