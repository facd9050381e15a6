"""A CycloneDX 1.6 ML-BOM of the system: its models (with a modelCard carrying the fields provision
8.1.1 lists), datasets, prompts, software dependencies with versions and hashes, external services
(those declared in aicop.yaml, and those the code uses that it does not declare, found by the same
detector as ``aicop init`` and rule AIC501), and the dependency graph.

cyclonedx-python-lib builds and serialises everything it models. It has no modelCard and no
component ``data`` yet, so those are added to its JSON output by bom-ref, and the whole document is
then validated with the library's strict JSON validator against the 1.6 schema: what aicop writes is
always a valid BOM. The system is the metadata component and is never also listed in ``components``
(the library re-generates the bom-ref of a component that is both, which breaks the references).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from aicop.errors import AicopError, InputError
from aicop.sourcecheck.services import Service as ServiceFound
from aicop.sourcecheck.services import matches_declaration
from aicop.system.manifest import Manifest

PROPERTY_NS = "aicop"


class BomError(AicopError):
    """The BOM could not be built or did not validate (a bug: nothing is written)."""


def _card_fields(root: Path, card: str | None) -> dict[str, str]:
    """{8.1.1 field name: text} from the model card, for what it covers."""
    if card is None or not (root / card).is_file():
        return {}
    from aicop.docs.markdown import parse
    from aicop.docs.modelcard import SECURITY_FIELDS

    try:
        doc = parse((root / card).read_text(encoding="utf-8", errors="replace"))
    except OSError as err:
        raise InputError(f"cannot read the model card: {err.strerror}", path=root / card) from err
    out: dict[str, str] = {}
    for field in SECURITY_FIELDS:
        hit = doc.topic(field.pattern)
        if hit is not None:
            text = doc.text_at(hit)
            if text:
                out[field.name] = text
    return out


def _model_card(fields: dict[str, str], datasets: list[str]) -> dict[str, Any]:
    card: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    sources = [{"ref": ref} for ref in datasets]
    if "sources of training data" in fields:
        sources.append(
            {"type": "dataset", "name": "training data", "description": fields["sources of training data"]}
        )
    if sources:
        parameters["datasets"] = sources
    if parameters:
        card["modelParameters"] = parameters
    considerations: dict[str, Any] = {}
    if "intended scope and limitations" in fields:
        considerations["useCases"] = [fields["intended scope and limitations"]]
    if "potential failure modes" in fields:
        considerations["technicalLimitations"] = [fields["potential failure modes"]]
    if considerations:
        card["considerations"] = considerations
    extra = {
        "guardrails": "guardrails",
        "cryptographic hashes or signatures": "hashes-or-signatures",
        "retention time": "retention",
        "suggested review frequency": "review-frequency",
    }
    properties = [
        {"name": f"{PROPERTY_NS}:8.1.1:{key}", "value": fields[f]} for f, key in extra.items() if f in fields
    ]
    if properties:
        card["properties"] = properties
    return card


def _trained_on(manifest: Manifest, sources: str) -> list[str]:
    """The declared datasets the model card's training-data text names, by path or by name."""
    lowered = sources.lower()
    return [
        f"dataset:{d.name}"
        for d in manifest.datasets
        if lowered and ((d.path and d.path.rstrip("/").lower() in lowered) or d.name.lower() in lowered)
    ]


def _dependencies(root: Path) -> list[tuple[str, str | None, list[str], str]]:
    """(name, version, sha256 hashes, source file) from requirements files and uv/poetry lock files."""
    from aicop.bom.requirements import parse_requirements

    found: dict[str, tuple[str, str | None, list[str], str]] = {}
    for lock in ("uv.lock", "poetry.lock"):
        path = root / lock
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise InputError(f"cannot read the lock file: {err}", path=path) from err
        for package in data.get("package", []):
            if not isinstance(package, dict) or "name" not in package:
                continue
            hashes = []
            for entry in [package.get("sdist") or {}, *package.get("wheels", []), *package.get("files", [])]:
                digest = str(entry.get("hash", "")) if isinstance(entry, dict) else ""
                if digest.startswith("sha256:"):
                    hashes.append(digest[7:])
            found[str(package["name"]).lower()] = (str(package["name"]), package.get("version"), hashes, lock)
    for path in sorted(root.glob("requirements*.txt")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read: {err}", path=path) from err
        for req in parse_requirements(text):
            if req.name is None or req.name.lower() in found:
                continue
            version = m.group(1) if (m := re.search(r"===?\s*([^\s;,]+)", req.text)) else None
            hashes = re.findall(r"--hash[= ]sha256:([0-9a-fA-F]{64})", text.splitlines()[req.line - 1])
            found[req.name.lower()] = (req.name, version if req.pinned else None, hashes, path.name)
    return sorted(found.values())


def _services_in_code(root: Path, manifest: Manifest) -> list[ServiceFound]:
    """The services the product code uses, by the detector ``aicop init`` and rule AIC501 share (tests
    and mocks left out: they are not part of the system)."""
    from aicop.sourcecheck.services import summarise, uses_in_repository
    from aicop.system.walk import walk

    paths = [e.path for e in walk(root, manifest.exclude) if not e.is_symlink]
    return [s for s in summarise(uses_in_repository(root, paths)) if not s.only_in_tests]


def _place(service: ServiceFound) -> str:
    return f"{service.evidence.path}:{service.evidence.line} {service.evidence.how}"


def build(root: Path, manifest: Manifest) -> dict[str, Any]:
    """The validated CycloneDX 1.6 JSON document, as a dict."""
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        Property,
        XsUri,
    )
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.license import DisjunctiveLicense
    from cyclonedx.model.service import Service
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    from aicop import __version__
    from aicop.integrity import inventory

    assets = {a["path"]: a for a in inventory.build(root, manifest)}

    def hashes_under(path: str) -> list[tuple[str, str]]:
        prefix = path.rstrip("/")
        return sorted(
            (rel, a["digest"])
            for rel, a in assets.items()
            if (rel == prefix or rel.startswith(prefix + "/")) and a.get("algorithm", "sha256") == "sha256"
        )

    def file_component(name: str, ref: str, path: str, kind: ComponentType) -> Component:
        files = hashes_under(path)
        if len(files) == 1 and files[0][0] == path.rstrip("/"):
            return Component(
                type=kind,
                name=name,
                bom_ref=ref,
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=files[0][1])],
                properties=[Property(name=f"{PROPERTY_NS}:path", value=path)],
            )
        parts = [
            Component(
                type=ComponentType.FILE,
                name=rel,
                bom_ref=f"{ref}/{rel}",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)],
            )
            for rel, digest in files
        ]
        return Component(
            type=kind,
            name=name,
            bom_ref=ref,
            components=parts,
            properties=[Property(name=f"{PROPERTY_NS}:path", value=path)],
        )

    def asset_component(
        kind: ComponentType,
        name: str,
        ref: str,
        path: str | None,
        remote: str | None,
        revision: str | None,
        licence: str | None,
    ) -> Component:
        """A model or dataset: its files and hashes when local, its reference when remote."""
        if path:
            component = file_component(name, ref, path, kind)
        else:
            component = Component(type=kind, name=name, bom_ref=ref)
            component.external_references.add(
                ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(str(remote)))
            )
        component.version = revision
        if licence:
            component.licenses.add(DisjunctiveLicense(name=licence))
        return component

    bom = Bom()
    system = Component(
        type=ComponentType.APPLICATION,
        name=manifest.system.name,
        version=manifest.system.version,
        description=manifest.system.description,
        bom_ref="system",
    )
    bom.metadata.component = system
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="aicop", version=__version__, bom_ref="tool:aicop")
    )
    refs: list[str] = []
    cards: dict[str, dict[str, Any]] = {}
    for model in manifest.models:
        ref = f"model:{model.name}"
        component = asset_component(
            ComponentType.MACHINE_LEARNING_MODEL,
            model.name,
            ref,
            model.path,
            model.uri,
            model.revision,
            model.licence,
        )
        if model.source:
            component.properties.add(Property(name=f"{PROPERTY_NS}:source", value=model.source))
        if model.format:
            component.properties.add(Property(name=f"{PROPERTY_NS}:format", value=model.format))
        bom.components.add(component)
        refs.append(ref)
        fields = _card_fields(root, model.card)
        cards[ref] = _model_card(fields, _trained_on(manifest, fields.get("sources of training data", "")))
    datasets: dict[str, dict[str, Any]] = {}
    for dataset in manifest.datasets:
        ref = f"dataset:{dataset.name}"
        component = asset_component(
            ComponentType.DATA,
            dataset.name,
            ref,
            dataset.path,
            dataset.url,
            dataset.revision,
            dataset.licence,
        )
        bom.components.add(component)
        refs.append(ref)
        datasets[ref] = {
            "type": "dataset",
            "name": dataset.name,
            "classification": dataset.sensitivity,
            **({"description": f"source: {dataset.source}"} if dataset.source else {}),
        }
    for prompt in manifest.prompts:
        ref = f"prompt:{prompt.name}"
        bom.components.add(file_component(prompt.name, ref, prompt.path, ComponentType.DATA))
        refs.append(ref)
        datasets[ref] = {"type": "configuration", "name": f"prompt {prompt.name}"}
    libraries = []
    for name, version, hashes, source in _dependencies(root):
        ref = f"pkg:pypi/{name.lower()}" + (f"@{version}" if version else "")
        bom.components.add(
            Component(
                type=ComponentType.LIBRARY,
                name=name,
                version=version,
                bom_ref=ref,
                purl=PackageURL("pypi", name=name.lower(), version=version),
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=h) for h in hashes],
                properties=[Property(name=f"{PROPERTY_NS}:declared-in", value=source)],
            )
        )
        libraries.append(ref)
    found = _services_in_code(root, manifest)
    for api in manifest.external_apis:
        ref = f"service:{api.name}"
        known = next(
            (s.provider for s in found if matches_declaration(s.provider, api.name, api.provider, api.url)),
            None,
        )
        in_code = [s for s in found if s.provider is known]
        service = Service(
            name=api.name,
            bom_ref=ref,
            provider=OrganizationalEntity(name=api.provider) if api.provider else None,
            endpoints=[XsUri(api.url)] if api.url else None,
            x_trust_boundary=True,
            properties=[Property(name=f"{PROPERTY_NS}:data-sent", value=item) for item in api.data_sent]
            + [Property(name=f"{PROPERTY_NS}:control", value=item) for item in api.controls]
            + [Property(name=f"{PROPERTY_NS}:declared", value="true")]
            + [Property(name=f"{PROPERTY_NS}:found-in", value=_place(s)) for s in in_code],
        )
        bom.services.add(service)
        refs.append(ref)
    declared_names = {str(s.name) for s in bom.services}
    for item in found:
        provider = item.provider
        if any(matches_declaration(provider, a.name, a.provider, a.url) for a in manifest.external_apis):
            continue
        ref = f"service:{provider.name}" + (" (found in code)" if provider.name in declared_names else "")
        bom.services.add(
            Service(
                name=provider.name,
                bom_ref=ref,
                group=provider.kind,
                endpoints=[XsUri(provider.endpoint)] if provider.endpoint else None,
                x_trust_boundary=provider.external,
                properties=[
                    Property(name=f"{PROPERTY_NS}:declared", value="false"),
                    Property(name=f"{PROPERTY_NS}:where", value=provider.where),
                    Property(name=f"{PROPERTY_NS}:found-in", value=_place(item)),
                ],
            )
        )
    by_ref = {str(c.bom_ref): c for c in bom.components}
    for ref in refs + libraries:
        if ref in by_ref:
            bom.register_dependency(system, [by_ref[ref]])
    for service in bom.services:
        bom.register_dependency(system, [service])
    for ref, card in cards.items():
        trained = [d["ref"] for d in card.get("modelParameters", {}).get("datasets", []) if "ref" in d]
        if trained:
            bom.register_dependency(by_ref[ref], [by_ref[d] for d in trained])
    try:
        document: dict[str, Any] = json.loads(JsonV1Dot6(bom).output_as_string())
    except Exception as err:  # the library raises its own errors for unserialisable models
        raise BomError(f"CycloneDX serialisation failed: {err}") from err
    for component in document.get("components", []):
        ref = component.get("bom-ref")
        if cards.get(ref):
            component["modelCard"] = cards[ref]
        if ref in datasets:
            component["data"] = [datasets[ref]]
    validate(document)
    return document


def validate(document: dict[str, Any]) -> None:
    """Raise BomError unless the document is valid CycloneDX 1.6 and every reference resolves."""
    from cyclonedx.schema import SchemaVersion

    from aicop.schemaformat import jsonschema_module

    jsonschema_module()  # before the library imports jsonschema: its IRI check without a second's start-up
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))
    if error is not None:
        raise BomError(f"the BOM does not validate against CycloneDX 1.6: {error}")
    known = {document["metadata"]["component"]["bom-ref"]}

    def collect(items: list[dict[str, Any]]) -> None:
        for item in items:
            known.add(item["bom-ref"])
            collect(item.get("components", []))

    collect(document.get("components", []))
    known |= {s["bom-ref"] for s in document.get("services", [])}
    for dependency in document.get("dependencies", []):
        for ref in [dependency["ref"], *dependency.get("dependsOn", [])]:
            if ref not in known:
                raise BomError(f"dependency reference {ref!r} resolves to nothing")
