"""Dependency files read as data: each format's pins, extras and markers, and the files aicop refuses."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from aicop.deps.sources import Dependency, DependencyError, discover, read_environment, read_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def pins(deps: list[Dependency]) -> dict[str, str | None]:
    return {d.key: d.version for d in deps}


def test_requirements_with_hashes_extras_and_markers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "requirements.txt",
        """\
        # pinned with hashes (pip-compile --generate-hashes)
        Torch==2.5.1 \\
            --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        transformers[torch]==4.40.0 ; python_version >= "3.9"
        requests>=2.31
        -r other.txt
        git+https://github.com/org/pkg@0123456789abcdef0123456789abcdef01234567#egg=pkg
        """,
    )
    deps = read_path(path)
    assert pins(deps) == {"torch": "2.5.1", "transformers": "4.40.0", "requests": None} | {deps[-1].key: None}
    torch = deps[0]
    assert torch.line == 2 and torch.source.endswith("requirements.txt")
    tf = deps[1]
    assert tf.extras == ("torch",) and tf.marker == 'python_version >= "3.9"'
    assert deps[-1].origin is not None  # a VCS requirement: not an index release


def test_conflicting_pins_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "numpy==1.26.0\nrequests==2.31.0\nNumPy==2.0.0\n")
    with pytest.raises(DependencyError, match=r"requirements\.txt:3: NumPy is pinned twice, to 1\.26\.0"):
        read_path(path)


def test_the_same_pin_twice_or_under_different_markers_is_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path / "requirements.txt",
        'numpy==1.26.0\nnumpy==1.26.0\nnumpy==1.24.0 ; python_version < "3.9"\n',
    )
    assert len(read_path(path)) == 3


def test_invalid_requirement_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "ok==1.0\nthis is not ! a requirement\n")
    with pytest.raises(DependencyError, match=r"requirements\.txt:2: not a valid requirement"):
        read_path(path)


def test_uv_lock(tmp_path: Path) -> None:
    path = write(
        tmp_path / "uv.lock",
        """\
        version = 1
        [[package]]
        name = "myproject"
        version = "0.1.0"
        source = { virtual = "." }

        [[package]]
        name = "keras"
        version = "3.8.0"
        source = { registry = "https://pypi.org/simple" }

        [[package]]
        name = "local-thing"
        version = "1.0"
        source = { git = "https://github.com/org/thing?rev=abc#abc" }
        """,
    )
    deps = read_path(path)
    assert pins(deps) == {"keras": "3.8.0", "local-thing": "1.0"}
    assert deps[1].origin is not None


def test_poetry_lock_and_pipfile_lock(tmp_path: Path) -> None:
    poetry = write(
        tmp_path / "poetry.lock",
        """\
        [[package]]
        name = "langchain"
        version = "0.0.131"

        [[package]]
        name = "mine"
        version = "1.0"
        [package.source]
        type = "directory"
        url = "../mine"
        """,
    )
    deps = read_path(poetry)
    assert pins(deps) == {"langchain": "0.0.131", "mine": "1.0"} and deps[1].origin == "../mine"
    pipfile = tmp_path / "p" / "Pipfile.lock"
    pipfile.parent.mkdir()
    pipfile.write_text(
        json.dumps(
            {
                "_meta": {},
                "default": {"torch": {"version": "==2.5.1", "markers": "python_version >= '3.9'"}},
                "develop": {"pytest": {"version": "==8.0.0"}, "x": {"git": "https://x", "ref": "abc"}},
            }
        )
    )
    deps = read_path(pipfile)
    assert pins(deps) == {"torch": "2.5.1", "pytest": "8.0.0", "x": None}
    assert deps[0].marker == "python_version >= '3.9'" and deps[0].source.endswith("[default]")


def test_pyproject_only_pins_exact_versions(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """\
        [project]
        name = "x"
        dependencies = ["torch==2.5.1", "numpy>=1.26"]
        [project.optional-dependencies]
        llm = ["langchain-core[extra]==0.3.79"]
        """,
    )
    assert pins(read_path(path)) == {"torch": "2.5.1", "numpy": None, "langchain-core": "0.3.79"}


def test_cyclonedx_bom_components(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"type": "library", "name": "torch", "purl": "pkg:pypi/torch@2.5.1"},
            {"type": "machine-learning-model", "name": "m", "purl": "pkg:huggingface/org/m@abc"},
            {
                "type": "library",
                "name": "outer",
                "components": [{"type": "library", "name": "k", "purl": "pkg:pypi/keras@3.0.0"}],
            },
        ],
    }
    path = tmp_path / "bom.cdx.json"
    path.write_text(json.dumps(bom))
    assert pins(read_path(path)) == {"torch": "2.5.1", "keras": "3.0.0"}
    path.write_text(json.dumps({"bomFormat": "SPDX"}))
    with pytest.raises(DependencyError, match="not a CycloneDX JSON BOM"):
        read_path(path)


def test_installed_environment_is_read_from_dist_info_without_running_it(tmp_path: Path) -> None:
    python = tmp_path / "venv" / "bin" / "python"
    write(python, "#!/bin/sh\necho this interpreter must never run >&2; exit 99\n")
    python.chmod(0o755)
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    write(
        site / "torch-2.5.1.dist-info" / "METADATA",
        "Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\n\nbody",
    )
    write(site / "Keras-3.9.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: Keras\nVersion: 3.9.0\n")
    assert pins(read_environment(python)) == {"torch": "2.5.1", "keras": "3.9.0"}
    with pytest.raises(DependencyError, match="no such interpreter"):
        read_environment(tmp_path / "nowhere" / "python")


def test_discovery_prefers_locks_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["a>=1"]\n')
    assert [p.name for p in discover(tmp_path)] == ["pyproject.toml"]
    write(tmp_path / "uv.lock", "version = 1\n")
    write(tmp_path / "requirements-dev.txt", "pytest==8.0.0\n")
    assert [p.name for p in discover(tmp_path)] == ["uv.lock", "requirements-dev.txt"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("uv.lock", "version = [", "invalid TOML"),
        ("Pipfile.lock", "{", "invalid JSON"),
        ("Pipfile.lock", "[]", "not a Pipfile.lock"),
        ("setup.py", "print()", "not a dependency file aicop reads"),
    ],
)
def test_broken_files_name_the_file(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DependencyError, match=message) as err:
        read_path(path)
    assert name in str(err.value)


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DependencyError, match="no dependency file here"):
        read_path(tmp_path)


@pytest.mark.parametrize(("system_site", "expected"), [("false", {"torch"}), ("true", {"torch", "numpy"})])
def test_a_venv_sees_its_base_packages_only_when_configured(
    tmp_path: Path, system_site: str, expected: set[str]
) -> None:
    base = tmp_path / "base" / "bin" / "python3.11"
    write(base, "#!/bin/sh\nexit 99\n")
    write(
        tmp_path / "base" / "lib" / "python3.11" / "site-packages" / "numpy-2.0.dist-info" / "METADATA",
        "Name: numpy\nVersion: 2.0\n",
    )
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(base)
    write(venv / "pyvenv.cfg", f"home = {base.parent}\ninclude-system-site-packages = {system_site}\n")
    write(
        venv / "lib" / "python3.11" / "site-packages" / "torch-2.5.1.dist-info" / "METADATA",
        "Name: torch\nVersion: 2.5.1\n",
    )
    assert {d.key for d in read_environment(venv / "bin" / "python")} == expected
