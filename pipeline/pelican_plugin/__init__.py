"""Pelican plugin: the generator that writes the home, catalogue, theme and dataset pages."""

from pelican import signals

from pipeline.pelican_plugin.generator import OpenDataGenerator


def get_generators(pelican_object: object) -> type:
    return OpenDataGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
