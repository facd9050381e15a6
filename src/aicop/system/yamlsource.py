"""Read ``aicop.yaml`` so that every error names the file, the line and the field.

PyYAML's composer keeps the position of every node; we build the plain data and, beside it, a map
from each key path to its line, then validate with the pydantic model and translate its error
locations back to lines. Duplicate keys, which PyYAML would silently let the last one win, are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from aicop.catalog.model import Catalog
from aicop.errors import InputError
from aicop.system.manifest import Manifest

LinePath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def load_manifest(
    path: Path, root: Path, catalog: Catalog | None = None, *, declared_must_exist: bool = False
) -> Manifest:
    """Parse and validate ``path``; ``root`` is the repository that relative paths must stay inside.

    With ``declared_must_exist`` (``manifest validate`` and ``assess``), a model, dataset or prompt path
    that names nothing is an error at its line: a declared asset that is not there cannot be assessed,
    and calling its provisions "needs attestation" would hide a typo. Commands that repair or compare
    the tree (``verify``, ``restore``) load without it, since a missing file is what they report or fix.
    """
    text = _read(path)
    data, lines = parse_yaml(text, path)
    if not isinstance(data, dict):
        raise InputError("the manifest must be a mapping of keys to values", path=path, line=1)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as err:
        raise _to_input_error(err, path, lines) from err
    if catalog is not None:
        _check_provision_ids(manifest, catalog, path, lines)
    _check_paths(manifest, root, path, lines)
    if declared_must_exist:
        _check_declared_exist(manifest, root, path, lines)
    return manifest


def manifest_catalog(path: Path, root: Path) -> Catalog:
    """The catalog the manifest at ``path`` names (``catalog:``; the draft when it names none)."""
    from aicop.catalog import load_catalog
    from aicop.errors import CatalogError

    named = load_manifest(path, root).ids_catalog
    try:
        return load_catalog(named)
    except CatalogError as err:
        _, lines = parse_yaml(_read(path), path)
        raise InputError(
            f"catalog: {named!r}: {err.problem}", path=path, line=lines.get(("catalog",))
        ) from err


def load_model(path: Path, model: type[M], what: str) -> M:
    """Parse ``path`` and validate it as ``model``; every error names the file, line and field."""
    return load_model_with_lines(path, model, what)[0]


def load_model_with_lines(path: Path, model: type[M], what: str) -> tuple[M, dict[LinePath, int]]:
    """``load_model``, and the line of every key path, for checks that need more than the schema."""
    data, lines = parse_yaml(_read(path), path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{what} must be a mapping of keys to values", path=path, line=1)
    try:
        return model.model_validate(data), lines
    except ValidationError as err:
        raise _to_input_error(err, path, lines) from err


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except IsADirectoryError as err:
        raise InputError("is a directory, not a manifest file", path=path) from err
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path=path) from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {err.start})", path=path, line=line) from err


def parse_yaml(text: str, path: Path) -> tuple[Any, dict[LinePath, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"invalid YAML: {err.problem or err.context}", path=path, line=line) from err
    except yaml.YAMLError as err:
        raise InputError(f"invalid YAML: {err}", path=path) from err
    if node is None:
        raise InputError("the manifest is empty", path=path, line=1)
    lines: dict[LinePath, int] = {}
    data = _construct(node, (), lines, path)
    return data, lines


# An alias repeats the node it names, so a few lines of anchors and aliases can stand for billions of
# values ("billion laughs"), or for a structure that contains itself. No manifest, policy or register
# comes near these bounds; a file that passes them is refused before it is expanded further.
MAX_VALUES = 100_000
MAX_DEPTH = 64


def _construct(node: yaml.Node, at: LinePath, lines: dict[LinePath, int], path: Path) -> Any:
    lines[at] = node.start_mark.line + 1
    if len(lines) > MAX_VALUES or len(at) > MAX_DEPTH:
        what = (
            f"more than {MAX_VALUES:,} values"
            if len(lines) > MAX_VALUES
            else f"deeper than {MAX_DEPTH} levels"
        )
        raise InputError(
            f"the YAML expands to {what} (aliases that repeat, or a structure that contains itself): "
            "not read",
            path=path,
            line=node.start_mark.line + 1,
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, path)
            if key in out:
                raise InputError(f"duplicate key {key!r}", path=path, line=key_node.start_mark.line + 1)
            child = (*at, key)
            out[key] = _construct(value_node, child, lines, path)
            lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*at, i), lines, path) for i, item in enumerate(node.value)]
    return _scalar(node, path, at)


def _key(node: yaml.Node, path: Path) -> str:
    """Keys are always strings here; the raw text keeps ``6.3:`` from turning into the float 6.3."""
    if not isinstance(node, yaml.ScalarNode):
        raise InputError("a key must be a plain value", path=path, line=node.start_mark.line + 1)
    return str(node.value)


def _scalar(node: yaml.Node, path: Path, at: LinePath) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise InputError("a key must be a plain value", path=path, line=node.start_mark.line + 1)
    loader = yaml.SafeLoader("")
    field = ".".join(str(p) for p in at) or "(top level)"
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as err:
        raise InputError(f"{field}: invalid value: {err}", path=path, line=node.start_mark.line + 1) from err
    except (ValueError, OverflowError) as err:
        # A value YAML recognises by its shape but cannot build: the date 2026-13-01, the time 25:00.
        raise InputError(
            f"{field}: {node.value!r} is not a valid value: {err}", path=path, line=node.start_mark.line + 1
        ) from err
    finally:
        loader.dispose()


def line_of(at: LinePath, lines: dict[LinePath, int]) -> int | None:
    """The line of key path ``at``, or of its nearest parent that has one."""
    return _line_of(at, lines)


def _line_of(at: LinePath, lines: dict[LinePath, int]) -> int | None:
    while at:
        if at in lines:
            return lines[at]
        at = at[:-1]
    return lines.get(())


def _to_input_error(err: ValidationError, path: Path, lines: dict[LinePath, int]) -> InputError:
    first = err.errors()[0]
    loc: LinePath = tuple(part for part in first["loc"] if isinstance(part, str | int))
    # pydantic appends the enum/dict-key marker "[key]" to dict-key errors; drop it to find the line.
    loc = tuple(p for p in loc if p != "[key]")
    field = ".".join(str(p) for p in loc) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "enum":
        message = f"{message} (got {first.get('input')!r})"
    elif first["type"] == "string_type" and isinstance(first.get("input"), bool):
        message = f"{message}: YAML reads yes/no/on/off/true/false as booleans, so quote the value"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return InputError(f"{field}: {message}{more}", path=path, line=_line_of(loc, lines))


def _check_provision_ids(
    manifest: Manifest, catalog: Catalog, path: Path, lines: dict[LinePath, int]
) -> None:
    numbered = manifest.ids_catalog
    for section in ("attestations", "exclusions"):
        ids = list(getattr(manifest, section))
        if ids and numbered != catalog.id:
            hint = (
                f"run 'aicop manifest migrate --to {catalog.id}'"
                if numbered == "dsit-2024-05"
                else f"assess against {numbered}"
            )
            raise InputError(
                f"{section}.{ids[0]}: this manifest's ids are those of catalog {numbered}"
                f"{'' if manifest.catalog else ' (implied: it names no catalog)'}, "
                f"not of {catalog.id}; {hint}",
                path=path,
                line=_line_of((section, ids[0]), lines),
            )
        for provision_id in getattr(manifest, section):
            if not catalog.has_provision(provision_id):
                raise InputError(
                    f"{section}.{provision_id}: no provision {provision_id} in catalog {catalog.id}",
                    path=path,
                    line=_line_of((section, provision_id), lines),
                )


def _check_paths(manifest: Manifest, root: Path, path: Path, lines: dict[LinePath, int]) -> None:
    resolved_root = root.resolve()
    for at, value in manifest.local_paths():
        where = ".".join(str(p) for p in at)
        candidate = Path(value)
        if candidate.is_absolute() or not (resolved_root / candidate).resolve().is_relative_to(resolved_root):
            raise InputError(
                f"{where}: path {value!r} is outside the repository {root}",
                path=path,
                line=_line_of(at, lines),
            )


DECLARED_ASSETS = ("models", "datasets", "prompts")


def _check_declared_exist(manifest: Manifest, root: Path, path: Path, lines: dict[LinePath, int]) -> None:
    for at, value in manifest.local_paths():
        if at[0] in DECLARED_ASSETS and at[-1] == "path" and not (root / value).exists():
            raise InputError(
                f"{'.'.join(str(p) for p in at)}: {value!r} does not exist (paths are relative to "
                "the repository)",
                path=path,
                line=_line_of(at, lines),
            )
