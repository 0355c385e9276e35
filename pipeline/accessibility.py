"""The accessibility audit (accessibility.yaml), source of the RGAA statement page.

Article 47 of loi 2005-102 requires every page to state the site's compliance level and
link to a statement; both are generated from this one file, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from pipeline.config import SAFE_LOADER
from pipeline.errors import ConfigurationError

STATUS_LABELS = {
    "totalement": "totalement conforme",
    "partiellement": "partiellement conforme",
    "non": "non conforme",
}


@dataclass(frozen=True)
class AccessibilityAudit:
    body: str
    site: str
    status: str
    compliance_rate: int | None
    audit_date: date | None
    method: str
    pages: tuple[str, ...]
    tools: tuple[str, ...]
    environment: tuple[str, ...]
    non_compliant: tuple[str, ...]
    exemptions: tuple[str, ...]
    technologies: tuple[str, ...]
    statement_date: date | None
    contact_email: str
    contact_address: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def load_audit(path: Path) -> AccessibilityAudit:
    """Read the audit; a missing file means 'non conforme', as the law says."""
    if not path.is_file():
        return AccessibilityAudit("", "", "non", None, None, "Aucun audit n'a été réalisé.",
                                  (), (), (), (), (), (), None, "", "")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: invalid YAML: {exc}") from exc
    status = str(raw.get("status", "non"))
    if status not in STATUS_LABELS:
        raise ConfigurationError(f"{path}: status must be one of {', '.join(STATUS_LABELS)}")
    audit = raw.get("audit") or {}
    contact = raw.get("contact") or {}
    return AccessibilityAudit(
        body=str(raw.get("body", "")),
        site=str(raw.get("site", "")),
        status=status,
        compliance_rate=raw.get("compliance_rate"),
        audit_date=audit.get("date"),
        method=str(audit.get("method", "")),
        pages=tuple(audit.get("pages") or ()),
        tools=tuple(audit.get("tools") or ()),
        environment=tuple(audit.get("environment") or ()),
        non_compliant=tuple(raw.get("non_compliant") or ()),
        exemptions=tuple(raw.get("exemptions") or ()),
        technologies=tuple(raw.get("technologies") or ()),
        statement_date=raw.get("statement_date"),
        contact_email=str(contact.get("email", "")),
        contact_address=str(contact.get("address", "")),
    )
