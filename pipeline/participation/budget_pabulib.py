"""The results of an edition in the Pabulib format (pabulib.org), read by researchers' tools.

A .pb file is text with three sections separated by ";": META (key;value lines),
PROJECTS (one line per project put to the vote) and VOTES (one line per ballot).

The Département publishes the number of votes of each project, not the ballots (they
stay with the voting service). So VOTES holds only its header line, `voter_id;vote`,
and no ballot: parsers such as pabutools read the file as an instance with an empty
profile, and META says why in `comment`. num_votes is the number of voters.
"""

from __future__ import annotations

from pipeline.participation.budget_editions import Edition
from pipeline.participation.budget_rules import PABULIB_RULES


def _cell(value: object) -> str:
    """One field: no separator, no line break (the format has no quoting)."""
    text = " ".join(str(value).split())
    return text.replace(" ; ", ", ").replace("; ", ", ").replace(";", ",")


def _day(edition: Edition, phase: str, end: bool = False) -> str | None:
    found = edition.phase(phase)
    if found is None:
        return None
    day = (found.last_day if end else found.start) or found.start
    return day.strftime("%d.%m.%Y")


def pabulib(edition: Edition, owner: str, sample: bool = False) -> str:
    """The .pb text of an edition whose results are out."""
    if edition.selection is None:
        raise ValueError(f"Edition {edition.id!r} has no results yet.")
    projects = edition.ranked
    description = f"{edition.title} – {owner}"
    if sample:
        description += " (données d'exemple fictives)"
    meta: list[tuple[str, object]] = [
        ("description", description),
        ("country", "France"),
        ("unit", owner),
    ]
    if edition.for_school:
        meta.append(("subunit", f"{edition.school}, {edition.commune} (UAI {edition.scope})"))
    meta += [
        ("instance", edition.year),
        ("num_projects", len(projects)),
        ("num_votes", edition.voters if edition.voters is not None else "None"),
        ("budget", edition.budget),
        ("vote_type", "approval"),
        ("rule", PABULIB_RULES[edition.selection_rule]),
        ("date_begin", _day(edition, "vote")),
        ("date_end", _day(edition, "vote", end=True)),
        ("language", "fr"),
        ("currency", "EUR"),
        ("comment", (
            "Aggregated results: the votes column gives each project's number of votes as "
            "published by the organiser. Individual ballots are not published, so the VOTES "
            "section has its header and no ballot. num_votes is the number of voters. "
            f"Ties are broken by the rule « {edition.tie_break_label} ». "
            f"Projects with no vote are never selected. Selection rule: « {edition.selection_label} »."
        )),
    ]
    lines = ["META", "key;value"]
    lines += [f"{key};{_cell(value)}" for key, value in meta if value is not None]
    lines += ["PROJECTS", "project_id;cost;votes;name;selected"]
    lines += [
        ";".join(_cell(v) for v in (p.id, p.cost, p.votes or 0, p.title, int(p.selected)))
        for p in projects
    ]
    lines += ["VOTES", "voter_id;vote"]
    return "\n".join(lines) + "\n"
