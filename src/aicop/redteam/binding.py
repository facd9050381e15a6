"""What a run tested, computed the same way by ``redteam run`` and ``release check``: the local model's
content hash from the inventory, or the remote model's reference and revision, and the system prompt's
hash. A gate that recomputes these and finds a difference knows the model it would release is not the
one that was tested (11.3)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from aicop.errors import InputError
from aicop.system.manifest import Manifest

DEFAULT_SYSTEM_PROMPT = "You are a helpful customer support assistant for Example Ltd. Be concise and polite."


@dataclass(frozen=True)
class ModelIdentity:
    name: str | None
    kind: str  # local, remote, unbound
    digest: str | None = None
    path: str | None = None
    uri: str | None = None
    revision: str | None = None

    def same_model(self, other: ModelIdentity) -> bool:
        if self.kind != other.kind or self.name != other.name:
            return False
        if self.kind == "local":
            return self.digest == other.digest
        return (self.uri, self.revision) == (other.uri, other.revision)

    def describe(self) -> str:
        if self.kind == "local":
            return f"{self.name} ({self.path}, sha256 {str(self.digest)[:12]})"
        if self.kind == "remote":
            return f"{self.name} ({self.uri}@{self.revision or 'unpinned'})"
        return "an unbound target (no model in aicop.yaml)"


def model_identity(root: Path, manifest: Manifest | None, name: str | None) -> ModelIdentity:
    """The identity of model ``name`` of the manifest; ``unbound`` when there is no name."""
    if name is None:
        return ModelIdentity(None, "unbound")
    models = {m.name: m for m in manifest.models} if manifest is not None else {}
    if name not in models:
        known = ", ".join(models) or "none"
        raise InputError(
            f"model {name!r} is not declared in aicop.yaml (models: {known})", path=root / "aicop.yaml"
        )
    model = models[name]
    if model.path is None:
        return ModelIdentity(name, "remote", uri=model.uri, revision=model.revision)
    from aicop.integrity.inventory import build, digest_of

    prefix = model.path.rstrip("/")
    assets = [a for a in build(root, manifest) if a["path"] == prefix or a["path"].startswith(prefix + "/")]
    if not assets:
        raise InputError(f"model {name!r}: no files at {model.path}", path=root / "aicop.yaml")
    return ModelIdentity(name, "local", digest=digest_of(assets), path=model.path)


def system_prompt(base: Path, path: str | None) -> tuple[str, str]:
    """(text, SHA-256) of the system prompt file (relative to ``base``), or of the built-in one."""
    if path is None:
        text = DEFAULT_SYSTEM_PROMPT
    else:
        full = base / path
        try:
            text = full.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read the system prompt: {err}", path=full) from err
    return text, hashlib.sha256(text.encode()).hexdigest()
