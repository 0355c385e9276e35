"""Geodata: GeoJSON resources and point tables, validated and converted for download and maps.

Frictionless reads a .geojson file as plain JSON, so the checks that matter for maps are ours:
the document's shape (`document`), each geometry (`geometry`), the properties against the
Table Schema (`properties`, through frictionless), gathered by `validate.validate_geojson`.
`convert` writes the downloads (GeoJSON, GeoParquet, CSV, Table Schema) and the simplified
TopoJSON the maps draw (`topology`).
"""
