"""The rules of a participatory budget: which projects win, computed from the votes.

CONSUL's rule: eligible projects in decreasing order of votes are taken one after the
other while their amount fits in what remains of the budget. A project dearer than what
remains is passed over, and the projects after it are still considered. Ties are broken
by a rule stated per edition (cheaper first by default, then the order of deposit).

Everything here is pure: no file, no date, no clock; the extension feeds it the tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SELECTION_RULES = {
    "votes-decroissants": (
        "votes décroissants, tant que le budget le permet : les projets recevables sont pris "
        "du plus voté au moins voté ; un projet plus cher que ce qui reste de l'enveloppe est "
        "passé, et les suivants restent candidats"
    ),
    "votes-decroissants-arret": (
        "votes décroissants, jusqu'au premier projet qui dépasse ce qui reste de l'enveloppe : "
        "la sélection s'arrête à ce projet"
    ),
}
DEFAULT_SELECTION = "votes-decroissants"

TIE_BREAKS = {
    "moins-cher": "le moins cher d'abord, puis l'ordre de dépôt",
    "plus-cher": "le plus cher d'abord, puis l'ordre de dépôt",
    "ordre-de-depot": "l'ordre de dépôt",
}
DEFAULT_TIE_BREAK = "moins-cher"

# Pabulib's name of each selection rule (META "rule").
PABULIB_RULES = {"votes-decroissants": "greedy", "votes-decroissants-arret": "greedy-no-skip"}

ZERO_VOTES_RULE = "un projet qui n'a recueilli aucune voix n'est pas retenu"


@dataclass(frozen=True)
class Candidate:
    """An eligible project put to the vote."""

    id: str
    cost: int  # euros
    votes: int
    deposit: int = 0  # position in the order of deposit (ids are given in that order)


@dataclass(frozen=True)
class Outcome:
    """One candidate's fate, in ranking order."""

    candidate: Candidate
    rank: int  # 1 = most votes, after tie-breaking
    selected: bool
    reason: str  # "retenu", "budget insuffisant", "aucune voix", "sélection arrêtée"
    remaining_after: int  # what is left of the budget after this project was considered


@dataclass(frozen=True)
class Selection:
    budget: int
    outcomes: tuple[Outcome, ...]

    @property
    def winners(self) -> tuple[Candidate, ...]:
        return tuple(o.candidate for o in self.outcomes if o.selected)

    @property
    def winner_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.winners)

    @property
    def spent(self) -> int:
        return sum(c.cost for c in self.winners)

    @property
    def remaining(self) -> int:
        return self.budget - self.spent


def natural_key(identifier: str) -> tuple:
    """"P-2" before "P-10": the order in which identifiers were given."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", identifier))


def _tie_key(tie_break: str) -> Callable[[Candidate], tuple]:
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"Unknown tie-break rule {tie_break!r}: use one of {', '.join(TIE_BREAKS)}.")
    sign = {"moins-cher": 1, "plus-cher": -1, "ordre-de-depot": 0}[tie_break]
    return lambda c: (-c.votes, sign * c.cost, c.deposit, natural_key(c.id))


def rank(candidates: Iterable[Candidate], tie_break: str = DEFAULT_TIE_BREAK) -> list[Candidate]:
    """Most votes first; equal votes ordered by the tie-break rule, then the deposit order."""
    return sorted(candidates, key=_tie_key(tie_break))


def select(
    candidates: Iterable[Candidate],
    budget: int,
    rule: str = DEFAULT_SELECTION,
    tie_break: str = DEFAULT_TIE_BREAK,
) -> Selection:
    """The winners of the vote under `rule`, every candidate with the reason of its fate."""
    if rule not in SELECTION_RULES:
        raise ValueError(f"Unknown selection rule {rule!r}: use one of {', '.join(SELECTION_RULES)}.")
    remaining = budget
    stopped = False
    outcomes = []
    for position, candidate in enumerate(rank(candidates, tie_break), start=1):
        if candidate.votes <= 0:
            selected, reason = False, "aucune voix"
        elif stopped:
            selected, reason = False, "sélection arrêtée"
        elif candidate.cost <= remaining:
            selected, reason = True, "retenu"
            remaining -= candidate.cost
        else:
            selected, reason = False, "budget insuffisant"
            stopped = rule == "votes-decroissants-arret"
        outcomes.append(Outcome(candidate, position, selected, reason, remaining))
    return Selection(budget, tuple(outcomes))
