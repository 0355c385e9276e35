"""One exception hierarchy; the CLI turns each into a message and an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.report import Report


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""

    exit_code = 1


class ConfigurationError(PipelineError):
    """The site settings file is missing or wrong."""

    exit_code = 2


class BuildRefused(PipelineError):
    """Validation found errors (or warnings under --strict): nothing was published."""

    def __init__(self, report: Report, strict: bool = False) -> None:
        self.report = report
        self.strict = strict
        errors, warnings = len(report.errors), len(report.warnings)
        reason = f"{errors} error(s)"
        if strict and warnings:
            reason += f" and {warnings} warning(s) (--strict)"
        super().__init__(f"Build refused: {reason}. The published site was left unchanged.")


class RenderError(PipelineError):
    """Pelican failed to render the site."""


class ScaffoldError(PipelineError):
    """new-dataset could not create the folder."""
