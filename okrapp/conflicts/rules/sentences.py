"""The sentences conflicts are told in, in the language of the moment (core.words): what a path of
influence does ("Sales is rewarded for raising X, which lowers Y"), and what was measured. Pure; the
steps of a path are clauses of one sentence, each translated whole."""
from typing import Sequence

from okrapp.core.formatting import decimal
from okrapp.core.words import _, ngettext


def opening(subject: str, push: int, metric: str, incentive: bool) -> str:
    """"Sales is rewarded for raising X" (an incentive's unit), "KR-1 aims at lowering X" (a key result)."""
    if incentive:
        return (_("%(unit)s is rewarded for raising %(metric)s", unit=subject, metric=metric) if push > 0 else
                _("%(unit)s is rewarded for lowering %(metric)s", unit=subject, metric=metric))
    return (_("%(goal)s aims at raising %(metric)s", goal=subject, metric=metric) if push > 0 else
            _("%(goal)s aims at lowering %(metric)s", goal=subject, metric=metric))


def which(movement: int, metric: str) -> str:
    """One step along a path: ", which raises X"."""
    return (_(", which raises %(metric)s", metric=metric) if movement > 0 else
            _(", which lowers %(metric)s", metric=metric))


def observed_sentence(first: str, second: str, periods: Sequence[str], rho: float, word: str = "period") -> str:
    """What was measured: the changes from one period to the next, not the levels. word: what a period is
    called, "week" or "period"."""
    values = {"first": first, "second": second, "start": periods[0], "end": periods[-1], "rho": decimal(rho, 2)}
    if word == "week":
        return ngettext("Measured over %(num)s week (%(start)s to %(end)s): in the weeks when %(first)s moved most the "
                        "way it should, %(second)s moved least that way or against it (Spearman ρ = %(rho)s between "
                        "their week-to-week changes), whether or not a link explains it.",
                        "Measured over %(num)s weeks (%(start)s to %(end)s): in the weeks when %(first)s moved most "
                        "the way it should, %(second)s moved least that way or against it (Spearman ρ = %(rho)s "
                        "between their week-to-week changes), whether or not a link explains it.",
                        len(periods), **values)
    if word == "period":
        return ngettext("Measured over %(num)s period (%(start)s to %(end)s): in the periods when %(first)s moved most "
                        "the way it should, %(second)s moved least that way or against it (Spearman ρ = %(rho)s "
                        "between their period-to-period changes), whether or not a link explains it.",
                        "Measured over %(num)s periods (%(start)s to %(end)s): in the periods when %(first)s moved "
                        "most the way it should, %(second)s moved least that way or against it (Spearman ρ = %(rho)s "
                        "between their period-to-period changes), whether or not a link explains it.",
                        len(periods), **values)
    raise ValueError(f"unknown period word {word!r}")
