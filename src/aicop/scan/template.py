"""Chat templates are Jinja; a template that reaches Python internals runs code where it is rendered
without a sandbox (llama-cpp-python before 0.2.72, CVE-2024-34359). We parse it with Jinja2's own
parser and look at the tree: parsing compiles nothing and renders nothing."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.scan.model import Issue, Severity

# Names whose presence in an attribute or item lookup is how template injection reaches code.
INTERNALS = frozenset(
    {
        "__class__",
        "__mro__",
        "__base__",
        "__bases__",
        "__subclasses__",
        "__globals__",
        "__builtins__",
        "__import__",
        "__init__",
        "__dict__",
        "__getattribute__",
        "__reduce__",
        "__reduce_ex__",
        "__code__",
        "__closure__",
        "func_globals",
        "f_globals",
        "gi_frame",
        "tb_frame",
        "f_back",
        "mro",
        "_TemplateReference__context",
        "__self__",
        "__func__",
    }
)


def check_template(text: str, key: str) -> list[Issue]:
    from jinja2 import Environment, nodes
    from jinja2.exceptions import TemplateSyntaxError

    try:
        # Parsing only: nothing is rendered, so autoescaping does not apply.
        tree = Environment(extensions=["jinja2.ext.loopcontrols"]).parse(text)  # noqa: S701
    except TemplateSyntaxError as err:
        return [
            Issue("template.syntax-error", Severity.LOW, f"chat template {key} does not parse: {err.message}")
        ]
    except RecursionError:
        return [Issue("template.too-deep", Severity.MEDIUM, f"chat template {key} nests too deeply to parse")]
    reached = sorted(set(_internal_lookups(tree, nodes)))
    if reached:
        return [
            Issue(
                "template.python-internals",
                Severity.CRITICAL,
                f"chat template {key} reaches Python internals ({', '.join(reached)}): code execution "
                "where the template is rendered without a sandbox",
                member=key,
            )
        ]
    return []


def _internal_lookups(tree: object, nodes: object) -> Iterator[str]:
    n = nodes
    for node in tree.find_all((n.Getattr, n.Getitem, n.Filter, n.Name)):  # type: ignore[attr-defined]
        if isinstance(node, n.Getattr) and node.attr in INTERNALS:  # type: ignore[attr-defined]
            yield node.attr
        elif isinstance(node, n.Getitem) and isinstance(node.arg, n.Const) and node.arg.value in INTERNALS:  # type: ignore[attr-defined]
            yield str(node.arg.value)
        elif isinstance(node, n.Filter) and node.name == "attr":  # type: ignore[attr-defined]
            for arg in node.args:
                if isinstance(arg, n.Const) and isinstance(arg.value, str) and arg.value in INTERNALS:  # type: ignore[attr-defined]
                    yield arg.value
        elif isinstance(node, n.Name) and node.name in INTERNALS:  # type: ignore[attr-defined]
            yield node.name
