"""Project histories (dataset kind `projets`): where the Département's projects stand.

For every project of the datasets with `kind: projets` (six CSV tables, see pipeline/projects/
for why tables): a page with its status, timeline, budget chart, deliberations,
consultations, documents, map and history; a list at /projets/ with pre-built facet pages
by status, type and canton; a page per canton at /cantons/<canton>/; Atom feeds of the
projects' dated events. Status and current phase are computed against the build date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pipeline.extensions.base import BaseExtension, BuildContext, Contribution, GeneratedFile, NavLink
from pipeline.history import history_for
from pipeline.projects.budget import chart_svg, summarize
from pipeline.projects.changes import ProjectChange, project_changes
from pipeline.projects.feeds import ALL_PROJECTS_FEED, all_projects_feed, project_feed
from pipeline.projects.history import events
from pipeline.projects.maps import background_layer, project_map
from pipeline.projects.model import Project, PublishedFile, load_projects
from pipeline.projects.pages import ProjectsIndex, ProjectView, build_pages, by_canton, facet_groups
from pipeline.projects.status import progress
from pipeline.report import Problem
from pipeline.site import dataset_url

# "Today" for statuses is the build date as a day in the Département's time zone.
TIME_ZONE = ZoneInfo("Europe/Paris")


class ProjectsExtension(BaseExtension):
    name = "projects"
    order = 20
    dataset_kind = "projets"

    def prepare(self, context: BuildContext) -> Contribution:
        today = build_day(context.build_date)
        projects, pdfs, problems = self._load(context)
        background = (background_layer(context.settings, context.datasets, context.files_dirs)
                      if any(p.has_location for p in projects) else None)
        views = [self._view(p, today, context, background) for p in projects]
        index = ProjectsIndex(tuple(views), facet_groups(views, context.settings), ALL_PROJECTS_FEED,
                              by_canton(views, context.settings))
        return Contribution(
            name=self.name,
            data=index,
            pages=tuple(build_pages(views, context.settings, index, today, self._changes(context))),
            files=tuple(self._files(views, pdfs, context)),
            problems=tuple(problems),
            nav=(NavLink("Projets", "projets/", order=20), NavLink("Cantons", "cantons/", order=60)),
            dataset_sections=("projects/_dataset_section.html",),
        )

    def _changes(self, context: BuildContext) -> dict[str, list[ProjectChange]]:
        """What changed in each project's rows between versions of the data (from git)."""
        changes: dict[str, list[ProjectChange]] = {}
        history = history_for(context)
        for published in context.of_kind(self.dataset_kind):
            page = dataset_url(published.slug)  # relative to the site root; templates add SITEURL
            found = project_changes(history.of(published.slug),
                                    lambda name, p=published: context.resource(p, name),
                                    lambda anchor, page=page: f"{page}#{anchor}")
            for project, items in found.items():
                changes.setdefault(project, []).extend(items)
        return changes

    def _load(self, context: BuildContext) -> tuple[list[Project], list[PublishedFile], list[Problem]]:
        projects: dict[str, Project] = {}
        files: list[PublishedFile] = []
        problems: list[Problem] = []
        for published in context.of_kind(self.dataset_kind):
            loaded = load_projects(published, lambda name, p=published: context.table(p, name).to_pylist(),
                                   context.settings)
            problems.extend(loaded.problems)
            files.extend(loaded.files)
            for project in loaded.projects:
                if project.id in projects:
                    problems.append(Problem(
                        "error", "duplicate-project", f"Project id {project.id!r} is used by two datasets "
                        f"({projects[project.id].dataset_slug} and {published.slug}).",
                        dataset=published.slug, file=f"datasets/{published.slug}/projets.csv", field="id",
                        value=project.id, hint="Give each project an id of its own across the site."))
                    continue
                projects[project.id] = project
        return list(projects.values()), files, problems

    def _view(self, project: Project, today: date, context: BuildContext,
              background: dict | None) -> ProjectView:
        state = progress(project.phases, today, project.suspendu)
        budget = summarize(project)
        return ProjectView(
            project=project, progress=state, events=tuple(events(project, today)), budget=budget,
            chart=chart_svg(budget, f"budget-{project.id}", project.titre),
            map=project_map(project, state.status.label, context.settings, background),
            sample=any(p.dataset.sample for p in context.datasets if p.slug == project.dataset_slug),
        )

    def _files(self, views: list[ProjectView], pdfs: list[PublishedFile],
               context: BuildContext) -> list[GeneratedFile]:
        modified = {p.slug: p.dates.modified for p in context.datasets}
        fallback = max((modified[v.project.dataset_slug] for v in views), default=context.build_date)
        files = [GeneratedFile(ALL_PROJECTS_FEED, all_projects_feed(
            [(v.project, e) for v in views for e in v.events], context.settings, _utc(fallback)))]
        for view in views:
            files.append(GeneratedFile(view.project.feed_path, project_feed(
                view.project, view.events, context.settings, _utc(modified[view.project.dataset_slug]))))
            if view.map is not None:
                files.append(GeneratedFile(view.map.script_path, view.map.script.encode("utf-8")))
        files.extend(GeneratedFile(pdf.path, pdf.source.read_bytes()) for pdf in pdfs)
        return files


def build_day(build_date: datetime | date) -> date:
    """The build date as a calendar day in the Département's time zone."""
    if isinstance(build_date, datetime):
        aware = build_date if build_date.tzinfo else build_date.replace(tzinfo=UTC)
        return aware.astimezone(TIME_ZONE).date()
    return build_date


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


EXTENSION = ProjectsExtension()
