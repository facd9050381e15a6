"""What each kind of document is usually called: one table for discovery (``aicop init``) and for the
checks that look for a document the manifest does not name. Names are compared without case,
extension, spaces, dashes or underscores."""

from __future__ import annotations

from aicop.system.manifest import DocumentKind

DOCUMENT_STEMS: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.THREAT_MODEL: (
        "threat-model",
        "threat-modelling",
        "threat-modeling",
        "threats",
        "threat-analysis",
    ),
    DocumentKind.INCIDENT_PLAN: (
        "incident-response",
        "incident-response-plan",
        "incident-plan",
        "incident-management",
        "incident-management-plan",
        "incidents",
        "ir-plan",
    ),
    DocumentKind.DISCLOSURE_POLICY: (
        "security",
        "security-policy",
        "vulnerability-disclosure",
        "disclosure-policy",
        "vulnerability-disclosure-policy",
    ),
    DocumentKind.MODEL_CARD: ("model-card", "model-cards"),
    DocumentKind.USER_NOTICE: (
        "user-notice",
        "end-user-notice",
        "ai-notice",
        "transparency-notice",
        "terms-of-use",
        "acceptable-use",
        "acceptable-use-policy",
        "usage-policy",
        "user-guide",
        "privacy-notice",
    ),
    DocumentKind.AWARENESS_PROGRAMME: (
        "security-awareness",
        "ai-security-awareness",
        "awareness",
        "awareness-programme",
        "awareness-program",
        "security-training",
        "ai-security-training",
    ),
    DocumentKind.REQUIREMENTS: (
        "business-requirements",
        "requirements",
        "product-requirements",
        "prd",
        "problem-statement",
        "use-case",
        "system-requirements",
    ),
    DocumentKind.DISPOSAL_PROCEDURE: (
        "decommissioning",
        "decommissioning-procedure",
        "decommissioning-plan",
        "data-disposal",
        "disposal-procedure",
        "data-disposal-procedure",
        "end-of-life",
        "retirement-procedure",
    ),
}
