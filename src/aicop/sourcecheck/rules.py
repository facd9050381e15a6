"""The source rules: id, what they find, the provisions they evidence, severity and how to fix.

Severities given here are defaults; a rule that tracks values raises or lowers them by where the
value came from (a downloaded file is worse than a constant local path).
"""

from __future__ import annotations

from aicop.severity import Severity

Level = Severity  # the shared scale; rules use LOW to CRITICAL


class Rule:
    __slots__ = ("fix", "id", "level", "provisions", "title")

    def __init__(self, rule_id: str, title: str, level: Level, provisions: tuple[str, ...], fix: str) -> None:
        self.id, self.title, self.level, self.provisions, self.fix = rule_id, title, level, provisions, fix


DUE_DILIGENCE = ("2.7", "7.2")
RULES = {
    r.id: r
    for r in (
        Rule(
            "AIC101",
            "torch.load without weights_only=True",
            Level.MEDIUM,
            DUE_DILIGENCE,
            "Pass weights_only=True (the default from torch 2.6), or store weights as safetensors.",
        ),
        Rule(
            "AIC102",
            "pickle-based deserialisation",
            Level.MEDIUM,
            DUE_DILIGENCE,
            "Load data in a format that cannot run code (safetensors, JSON, Parquet, ONNX); scan any "
            "pickle with 'aicop scan' before loading it.",
        ),
        Rule(
            "AIC103",
            "numpy.load with allow_pickle=True",
            Level.MEDIUM,
            DUE_DILIGENCE,
            "Drop allow_pickle=True; store object data in a format that cannot run code.",
        ),
        Rule(
            "AIC104",
            "yaml.load without a safe loader",
            Level.MEDIUM,
            DUE_DILIGENCE,
            "Use yaml.safe_load, or Loader=yaml.SafeLoader.",
        ),
        Rule(
            "AIC105",
            "Keras load_model with safe_mode=False",
            Level.HIGH,
            DUE_DILIGENCE,
            "Keep safe_mode=True (the default); re-save models without Lambda layers.",
        ),
        Rule(
            "AIC106",
            "LangChain allow_dangerous_deserialization=True",
            Level.HIGH,
            DUE_DILIGENCE,
            "Load only indexes you built yourself and verify their hashes; keep the flag off.",
        ),
        Rule(
            "AIC201",
            "trust_remote_code=True",
            Level.HIGH,
            DUE_DILIGENCE,
            "Vendor the model code into your repository and review it, or pin revision= to a reviewed "
            "commit.",
        ),
        Rule(
            "AIC202",
            "eval/exec or a shell on model output or downloaded text",
            Level.MEDIUM,
            DUE_DILIGENCE,
            "Never execute model output; parse it (json.loads, ast.literal_eval) and act through an "
            "allow-list.",
        ),
        Rule(
            "AIC203",
            "torch.hub.load runs code from a repository",
            Level.HIGH,
            DUE_DILIGENCE,
            "Vendor the model definition; load weights only (weights_only=True or safetensors).",
        ),
        Rule(
            "AIC301",
            "remote model or dataset without a pinned commit",
            Level.MEDIUM,
            ("7.2", "7.1"),
            "Pass revision='<40-character commit hash>' so that what you load is what you reviewed.",
        ),
        Rule(
            "AIC401",
            "secret in code or configuration",
            Level.HIGH,
            ("6.1", "5.4"),
            "Move the secret to a secret manager or environment variable and rotate it: it is in your "
            "history.",
        ),
        Rule(
            "AIC501",
            "data sent to an external LLM service",
            Level.MEDIUM,
            ("2.3",),
            "Declare the service under external_apis in aicop.yaml with what is sent and the controls "
            "applied (redaction, consent, data residency).",
        ),
        Rule(
            "AIC601",
            "agent tool with excessive privilege",
            Level.HIGH,
            ("2.5",),
            "Give the agent narrow tools (an allow-listed API, read-only files in one directory) instead of "
            "a shell, a Python REPL, file writes or arbitrary URL fetches; sandbox what remains.",
        ),
        Rule(
            "AIC701",
            "model endpoint without a rate limit",
            Level.MEDIUM,
            ("4.3",),
            "Limit the route (slowapi @limiter.limit, fastapi-limiter RateLimiter, flask-limiter) or put it "
            "behind a gateway that does ('aicop gateway').",
        ),
        Rule(
            "AIC901",
            "suppression without a reason",
            Level.LOW,
            (),
            "Write why after the rule: '# aicop: ignore[AIC101] weights from our own training job'.",
        ),
    )
}
