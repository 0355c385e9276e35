"""National schemas (SCDL…): conformity of the resources that declare one, their custom
checks, and the three-month deadline of the grants' essential data.

For every table whose schema is a national one (declared by URL, or a copy that says it is
one) or declares `custom_checks`:

- the custom checks the site knows are run on the typed table (pipeline.national.checks);
  a failing row is a build error, located and with a fix, like a validation error;
- the rules the site cannot apply (unknown custom checks, keys outside Table Schema) are
  listed as not checked: a line of the page's conformity section and a note of the report,
  never a warning, which would refuse every --strict build for a rule nobody can satisfy
  here;
- the dataset page gets a section "Conformité au schéma national": "Conforme au schéma
  national Subventions 2.1.1" linking to the schema's page on schema.data.gouv.fr, or the
  reasons it is not, with the checks done and not done.

For the resources in the national `subventions` format, the deadline of décret 2017-779
(pipeline.national.deadline): grants above 23,000 € published more than three months after
their convention are listed on the page (a table) and in the report, as notes: a late
publication is a fact of the past that no change of the data can undo, so it informs and
never refuses a build.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.extensions.base import BaseExtension, BuildContext, Contribution
from pipeline.national.conformity import VALIDATA, ResourceConformity, applies, check_resource
from pipeline.national.deadline import DELAY_MONTHS, THRESHOLD, DeadlineReport, check_deadline, is_subventions
from pipeline.report import Problem

SECTION = "national/_dataset_section.html"


@dataclass(frozen=True)
class DatasetNational:
    """What the dataset page shows: per resource, its conformity and its deadline."""

    conformity: tuple[ResourceConformity, ...] = ()
    deadlines: tuple[DeadlineReport, ...] = ()


@dataclass(frozen=True)
class NationalData:
    """opendata.extras["national"]."""

    by_dataset: dict[str, DatasetNational]
    notes: tuple[str, ...] = ()
    validata: str = VALIDATA
    threshold: int = THRESHOLD
    months: int = DELAY_MONTHS


@dataclass(frozen=True)
class NationalExtension(BaseExtension):
    name = "national"
    order = 40

    def prepare(self, context: BuildContext) -> Contribution:
        root = context.paths.datasets.parent
        cache = context.paths.cache / "national"
        by_dataset: dict[str, DatasetNational] = {}
        problems: list[Problem] = []
        notes: list[str] = []
        for published in context.datasets:
            conformity: list[ResourceConformity] = []
            deadlines: list[DeadlineReport] = []
            for resource, _ in published.resources:
                if not applies(resource):
                    continue
                table = context.table(published, resource.name)
                checked, found = check_resource(published.dataset, resource, table, root)
                conformity.append(checked)
                problems.extend(found)
                notes.extend(checked.notes())
                if is_subventions(resource) and not checked.errors:
                    report = check_deadline(published, resource, table, root, cache)
                    deadlines.append(report)
                    notes.extend(report.notes())
            if conformity:
                by_dataset[published.slug] = DatasetNational(tuple(conformity), tuple(deadlines))
        return Contribution(
            self.name,
            data=NationalData(by_dataset, tuple(notes)),
            problems=tuple(problems),
            dataset_sections=(SECTION,) if by_dataset else (),
            notes=tuple(notes),
        )


EXTENSION = NationalExtension()
