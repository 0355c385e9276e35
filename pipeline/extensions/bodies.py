"""The participatory bodies: a page per body with its rules, members, meetings and calls.

Datasets of kind `instances` hold the bodies (resources instances, membres, documents,
appels_contributions; schemas site:instances/<resource>). A body's meetings are the
events of the agenda datasets whose `instance` is the body. Pages: instances/ and
instances/<id>/; the documents and booklets are published beside the body's page.
"""

from __future__ import annotations

from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, NavLink, Page
from pipeline.participation.common import today
from pipeline.participation.events import load_agenda
from pipeline.participation.instances import KIND, load_bodies


class BodiesExtension(BaseExtension):
    name = "bodies"
    order = 31
    dataset_kind = KIND

    def prepare(self, context: BuildContext) -> Contribution:
        datasets = context.of_kind(KIND)
        bodies, problems = load_bodies(context)
        # The agenda's problems are the agenda extension's to report.
        agenda, _ = load_agenda(context, {b.id for b in bodies})
        common = {"bodies": bodies, "bodies_datasets": datasets, "today": today(context),
                  "agenda_datasets": context.of_kind("agenda")}
        meetings = {b.id: agenda.of_body(b.id) for b in bodies}
        pages = [Page("instances/", "bodies/index", "bodies", {**common, "meetings": meetings})]
        for body in bodies:
            events = meetings[body.id]
            pages.append(Page(body.url, "bodies/body", "body", {
                **common, "body": body,
                "upcoming": [e for e in events if not e.past],
                "past": [e for e in reversed(events) if e.past],
            }))
        files = tuple(document.generated() for body in bodies for document in body.files())
        return Contribution(
            name=self.name, data=tuple(bodies), pages=tuple(pages), files=files,
            problems=tuple(problems), nav=(NavLink("Instances", "instances/", order=31),),
            dataset_sections=("bodies/_dataset_section.html",),
        )


EXTENSION = BodiesExtension()
