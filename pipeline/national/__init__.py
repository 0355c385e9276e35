"""National schemas (SCDL and the others of schema.data.gouv.fr), checked without Validata.

    conformity, problems = check_resource(dataset, resource, typed_table, root)
    conformity.status          # conforme | conforme-partiel | non-conforme | copie-locale | …
    conformity.done, conformity.not_done     # French lines for the page
    report = check_deadline(published, resource, typed_table, root, cache)   # subventions
    report.late                # grants above 23,000 € published after their deadline

- identifiers: SIRET/SIREN keys (vectorised), French phone numbers, GPS points in France;
- checks: the `custom_checks` of national schemas that the site runs (CHECKS), the others
  listed as not run;
- keys: the schema keys outside Table Schema, reported as not checked;
- conformity: the national schema of a resource (by URL, or a local copy) and its status;
- deadline: the three-month deadline of the grants' essential data (décret 2017-779),
  dated from git.

The schema files come from the schema cache (pipeline.schemas, setting `schema_cache`).
The extension pipeline/extensions/national.py puts it all on the dataset pages.
"""

from pipeline.national.checks import CHECKS, CheckResult, Finding, NotRun, run_custom_checks
from pipeline.national.conformity import (
    NationalSchema,
    ResourceConformity,
    applies,
    check_resource,
    copied_national,
    declared_national,
)
from pipeline.national.deadline import DeadlineReport, LateRow, check_deadline, is_subventions

__all__ = [
    "CHECKS",
    "CheckResult",
    "DeadlineReport",
    "Finding",
    "LateRow",
    "NationalSchema",
    "NotRun",
    "ResourceConformity",
    "applies",
    "check_deadline",
    "check_resource",
    "copied_national",
    "declared_national",
    "is_subventions",
    "run_custom_checks",
]
