"""Project histories: the Département's projects, their phases, budget and consultations.

Read by the extension pipeline/extensions/projects.py from datasets of `kind: projets`.

Why tables (CSV) and not one YAML file per project:

- **Validated like every dataset.** The six tables (projets, phases, budget, deliberations,
  consultations, documents) have Table Schemas shipped in schemas/site/projets/; frictionless
  checks types, required cells, vocabularies and the foreign keys that tie every row to a
  project, and the build reports a mistake with its file, row, column and fix. A YAML file
  would need a second validator with its own messages.
- **Downloadable.** The history of the projects is open data too: the dataset page offers the
  same tables as CSV, Parquet and JSON, so a journalist can total the budgets of every project
  of a canton without scraping the pages.
- **Edited in a spreadsheet.** Data officers keep these lists in a spreadsheet already; adding
  a phase is adding a row, and a diff of a CSV shows exactly what changed.

Nothing derived is typed by hand: the status (à venir, en cours, terminé, suspendu) and the
current phase come from the phases' dates and the build date (status.py).

Modules: model (the typed tables), status (status and current phase), history (the dated
events), budget (summary and SVG chart), maps (the project's location), feeds (Atom), pages
(the pages to render).
"""
