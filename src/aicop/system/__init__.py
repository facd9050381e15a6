"""The AI system under assessment: the ``aicop.yaml`` manifest, its loader and discovery."""

from aicop.system.manifest import MANIFEST_NAME, Attestation, DocumentKind, Exclusion, Manifest
from aicop.system.yamlsource import load_manifest

__all__ = ["MANIFEST_NAME", "Attestation", "DocumentKind", "Exclusion", "Manifest", "load_manifest"]
