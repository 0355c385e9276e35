"""Machine-readable descriptions of the catalogue, for harvesters and search engines.

- `graph`: the DCAT-AP 3 catalogue as an rdflib Graph (catalogue, datasets, distributions),
  with absolute IRIs from the site's base_url;
- `serialize`: that graph as Turtle, JSON-LD and RDF/XML, byte-identical from build to build;
- `schemaorg`: schema.org `Dataset` markup of each dataset page (JSON-LD);
- `pod`: the same catalogue as Project Open Data 1.1 (`data.json`);
- `terms`: the IRIs and vocabularies all of them share (EU authority tables, IANA media
  types, INSEE territories).

Read by the extensions `dcat` (catalogue files) and `discovery` (sitemap, robots.txt,
schema.org markup); nothing here writes files.
"""
