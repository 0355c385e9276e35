"""Shared code of the participation extensions (agenda, bodies, budgets, petitions…).

Loaders here read the typed tables of their datasets and return frozen records with the
problems they found; they render nothing and write nothing. The extensions in
pipeline/extensions/ turn the records into pages and files.
"""
