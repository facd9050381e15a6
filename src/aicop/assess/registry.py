"""The check registry: the only list of checks, keyed by the provisions each evidences.

A check is a function ``(Context) -> Iterable[Finding]`` decorated with ``@check``. The decorator
records its id, provisions, title and remediation; ``aicop checks list`` prints the registry, which is
how coverage of the Code is measured.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aicop.assess.context import Context
from aicop.assess.results import Finding

CheckFunction = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    provisions: tuple[str, ...]
    title: str
    remediation: str
    function: CheckFunction

    def run(self, ctx: Context) -> list[Finding]:
        """The check's findings on ``ctx``, computed once per run: a check that judges other checks
        (risks.controls) reads the findings the engine has or will have, rather than running them again."""
        return list(ctx.once(("check", self.id), lambda: list(self.function(ctx))))


_REGISTRY: dict[str, CheckSpec] = {}


def check(
    check_id: str, *, provisions: Iterable[str], title: str, remediation: str
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as check ``check_id`` for ``provisions``."""
    ids = tuple(provisions)
    if not ids:
        raise ValueError(f"check {check_id} names no provision")

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in _REGISTRY and _REGISTRY[check_id].function is not function:
            raise ValueError(f"check id {check_id} registered twice")
        _REGISTRY[check_id] = CheckSpec(check_id, ids, title, remediation, function)
        return function

    return register


def registered_checks() -> list[CheckSpec]:
    """Every check, after importing the modules that define them. A check whose controls are not in
    ``catalog/data/controls.csv`` is refused here, loudly (see ``aicop.assess.controls``)."""
    from aicop.assess.controls import ControlDataError, control_problems, load_controls

    importlib.import_module("aicop.checks")
    specs = sorted(_REGISTRY.values(), key=lambda spec: spec.id)
    problems = control_problems(specs, load_controls())
    if problems:
        raise ControlDataError("; ".join(problems))
    return specs
