"""What decisions say to people: the short notices they send, each in its reader's language; how a
unit's proposal reads (on the agenda, in the decision form, in the executives' notice); why a review
takes no more changes; a meeting's invitation subject and address. Imported by decisions and operations,
never the other way round."""
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from okrapp.accounts.models import User
from okrapp.core import formatting as fmt
from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.core.words import _
from okrapp.incentives.models import IncentiveProposal

COMPARATORS = {">=": "≥", "<=": "≤"}


def not_open(status: str) -> str:
    """Why nothing can be changed in a review that is no longer scheduled."""
    if status == "closed":
        return _("This review is closed; nothing can be changed in it.")
    if status == "cancelled":
        return _("This review is cancelled; nothing can be changed in it.")
    return _("This review is no longer open; nothing can be changed in it.")


def changed_meanwhile(status: str | None) -> str:
    """A decision, a close or a cancellation found the review closed, cancelled or removed by another."""
    if status == "closed":
        return _("This review was closed meanwhile; nothing of yours was recorded.")
    if status == "cancelled":
        return _("This review was cancelled meanwhile; nothing of yours was recorded.")
    if status is None:
        return _("This review was removed meanwhile; nothing of yours was recorded.")
    return _("This review changed meanwhile; nothing of yours was recorded.")


def _tell(user: User | None, key: str, subject: str, lines: list[str], path: str) -> None:
    """Queue a short notice; the scheduler delivers it. The caller words subject and lines inside
    `with words.using(mail.reader_locale(user))`, so the whole notice is in the recipient's language."""
    if user is None or not user.email:
        return
    with words.using(mail.reader_locale(user)):
        text, html = mail.render("notice", user=user, lines=lines, path=path)
    mail.queue(f"notice:{key}:{user.id}", user.email, subject, text, html, category="notice")


def notify_executives_of_proposal(proposal: IncentiveProposal) -> int:
    executives = db.session.scalars(select(User).where(User.role == "executive", User.active.is_(True))).all()
    unit = proposal.unit.name
    for executive in executives:
        with words.using(mail.reader_locale(executive)):  # each notice in its reader's language
            what = describe_proposal(proposal)
            proposes = (_("%(name)s of %(unit)s proposes: %(what)s.", name=proposal.proposed_by.name, unit=unit,
                          what=what) if proposal.proposed_by else
                        _("A unit leader of %(unit)s proposes: %(what)s.", unit=unit, what=what))
            _tell(executive, f"proposal:{proposal.id}:new", _("Proposal from %(unit)s", unit=unit),
                  [proposes, _("Why: %(text)s", text=proposal.text),
                   _("It is on the agenda of the next priority review.")],
                  f"/incentives#unit-{proposal.unit_id}")
    return len(executives)


def describe_proposal(proposal: IncentiveProposal) -> str:
    name = proposal.incentive.name if proposal.incentive else _("an incentive")
    day = fmt.day(proposal.effective_on) if proposal.effective_on else ""
    if proposal.change == "retire":
        return _("retire “%(name)s” from %(day)s", name=name, day=day) if day else _("retire “%(name)s”", name=name)
    if proposal.change == "weight":
        share = fmt.percent(proposal.new_weight)
        return (_("change the bonus share of “%(name)s” to %(share)s from %(day)s", name=name, share=share, day=day)
                if day else _("change the bonus share of “%(name)s” to %(share)s", name=name, share=share))
    if proposal.change == "target":
        target = fmt.number(proposal.new_target)
        return (_("change the target of “%(name)s” to %(target)s from %(day)s", name=name, target=target, day=day)
                if day else _("change the target of “%(name)s” to %(target)s", name=name, target=target))
    if proposal.change == "guardrail" and proposal.guard_metric is not None:
        condition = (f"{proposal.guard_metric.name} {COMPARATORS.get(proposal.guard_comparator, '')} "
                     f"{fmt.number(proposal.guard_threshold)}")
        return (_("pay “%(name)s” only while %(condition)s from %(day)s", name=name, condition=condition, day=day)
                if day else _("pay “%(name)s” only while %(condition)s", name=name, condition=condition))
    return _("change “%(name)s”", name=name)


def invitation_subject(meeting, local: datetime, cancelled: bool) -> str:
    name, when = meeting.schedule.display_name, fmt.moment(local)
    if cancelled:
        return _("Cancelled: %(name)s, %(when)s", name=name, when=when)
    if meeting.sequence:
        return _("Updated: %(name)s, %(when)s", name=name, when=when)
    return _("Invitation: %(name)s, %(when)s", name=name, when=when)


def meeting_url(meeting) -> str:
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + f"/reviews/{meeting.id}"
