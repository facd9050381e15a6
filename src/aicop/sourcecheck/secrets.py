"""Secrets in code and configuration: detect-secrets' plugins, plus patterns for AI providers' keys
that detect-secrets does not know (Anthropic, Hugging Face, Google, Groq, Replicate, new OpenAI keys).

Two changes to how detect-secrets is usually run, both measured on the source of six ML libraries
(benchmarks/code_compare.py):
- Speed: running every plugin on every line made the whole check 3x slower than bandit. One pass of a
  regex compiled from the plugins' own deny-lists (and the keyword detector's stems) finds the few
  candidate lines; detect-secrets' own per-line pipeline, filters included, then runs on those only.
- Precision: the keyword and basic-auth detectors fire on placeholders and documentation
  ("my-api-key", "GOOGLE_API_KEY", "user:password@host"). Their values must look like a secret: long
  enough, no spaces, not an environment variable name, no placeholder words, mixed characters.
The high-entropy and public-IP plugins stay off: hundreds of false positives per 20,000 lines.
"""

from __future__ import annotations

import bisect
import functools
import re

from aicop.sourcecheck.model import CodeFinding

# The Cloudant, IBM Cloud IAM, IBM COS HMAC and SoftLayer detectors are off: keyword-based, for legacy
# IBM services, and their look-behind patterns alone cost 1.2 s per 6 MB of source (measured).
PLUGINS = [
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "JwtTokenDetector",
    "KeywordDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
]
SETTINGS = {"plugins_used": [{"name": name} for name in PLUGINS]}
AI_KEYS = {
    "Anthropic API key": re.compile(r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}"),
    "OpenAI API key": re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"),
    "Hugging Face token": re.compile(r"\bhf_[A-Za-z]{34}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Groq API key": re.compile(r"\bgsk_[A-Za-z0-9]{52}\b"),
    "Replicate API token": re.compile(r"\br8_[A-Za-z0-9]{37}\b"),
}
LOW_CONFIDENCE = {"Secret Keyword", "Basic Auth Credentials"}
PLACEHOLDER = re.compile(
    r"your|my[-_]|example|xxx|placeholder|change.?me|dummy|fake|sample|test|<|>|\$\{|\{|\}|\*|\.\.\.|replace|"
    r"insert|enter|todo|none|null|secret|passw|token|api.?key|username|^user|admin|default|foo|bar|demo",
    re.IGNORECASE,
)
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
WORDS = re.compile(r"^[A-Za-z]+(?:[-_. ][A-Za-z]+)+$")  # "random-string", "redis_url": words, not a secret
PATH_OR_URL = re.compile(
    r"^(?:[a-z]+://|/|\./|~)|\.(?:json|ya?ml|pem|key|txt|env|crt|p12|cfg|ini)$", re.IGNORECASE
)
# The keyword detector reports a keyword assigned a value: quoted in code, maybe bare in configuration.
KEYWORD = r"(?:pass|pwd|secret|token|api.?key|auth|cred|bearer|private)[\w.-]*['\"]?\s*(?:=|:|=>)\s*"
# Matched against lowercased text: a case-sensitive pattern is several times faster in Python's re.
KEYWORD_IN_CODE = re.compile(rf"{KEYWORD}[fbru]?['\"][^'\"]{{4}}")
KEYWORD_IN_CONFIG = re.compile(rf"{KEYWORD}\S{{4}}")


def plausible(value: str) -> bool:
    """Whether a keyword or basic-auth value looks like a real secret rather than a placeholder."""
    if (
        len(value) < 8
        or any(c.isspace() for c in value)
        or ENV_NAME.match(value)
        or PLACEHOLDER.search(value)
    ):
        return False
    if WORDS.match(value) or PATH_OR_URL.search(value):
        return False
    classes = sum(any(test(c) for c in value) for test in (str.islower, str.isupper, str.isdigit))
    return classes + any(not c.isalnum() for c in value) >= 2


def find_secrets(path: str, display: str, lines: list[str]) -> list[CodeFinding]:
    """Secrets in one file's lines; ``path`` is where detect-secrets reads filters' file context."""
    findings = [
        CodeFinding("AIC401", display, number, match.start() + 1, f"{kind} in the source")
        for number, text in enumerate(lines, start=1)
        for kind, pattern in AI_KEYS.items()
        for match in [pattern.search(text)]
        if match
    ]
    seen = {f.line for f in findings}
    for number, kind in _detect_secrets(path, lines):
        if number not in seen:
            findings.append(CodeFinding("AIC401", display, number, 1, f"{kind} in the source"))
            seen.add(number)
    return findings


@functools.cache
def _token_patterns() -> tuple[re.Pattern[str], ...]:
    """The enabled plugins' own deny-list patterns (run one by one: faster than one big alternation)."""
    from detect_secrets.settings import get_plugins, transient_settings

    with transient_settings(SETTINGS):
        return tuple(
            pattern
            for plugin in get_plugins()
            for pattern in getattr(plugin, "denylist", ())
            if type(plugin).__name__ != "KeywordDetector"
        )


def _candidates(lines: list[str], code: bool) -> list[int]:
    """Lines that any enabled plugin could report."""
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    keyword = KEYWORD_IN_CODE if code else KEYWORD_IN_CONFIG
    positions = {match.start() for match in keyword.finditer(text.lower())}
    for pattern in _token_patterns():
        positions.update(match.start() for match in pattern.finditer(text))
    return sorted({bisect.bisect_right(starts, position) for position in positions})


def _detect_secrets(path: str, lines: list[str]) -> list[tuple[int, str]]:
    candidates = _candidates(lines, code=path.endswith((".py", ".ipynb")))
    if not candidates:
        return []
    # detect-secrets' own per-line pipeline (plugins and filters), on the candidate lines only.
    from detect_secrets.core import scan
    from detect_secrets.settings import get_plugins, transient_settings
    from detect_secrets.util.code_snippet import get_code_snippet

    out: list[tuple[int, str]] = []
    with transient_settings(SETTINGS):
        plugins = get_plugins()
        for number in candidates:
            line = lines[number - 1].rstrip()
            context = get_code_snippet(lines=lines, line_number=number)
            if scan._is_filtered_out(
                required_filter_parameters=["line"], filename=path, line=line, context=context
            ):
                continue
            for plugin in plugins:
                for secret in scan._scan_line(
                    plugin=plugin, filename=path, line=line, line_number=number, context=context
                ):
                    if scan._is_filtered_out(
                        required_filter_parameters=["context"],
                        filename=path,
                        secret=secret.secret_value,
                        plugin=plugin,
                        line=line,
                        context=context,
                    ):
                        continue
                    if secret.type in LOW_CONFIDENCE and not plausible(_value(secret)):
                        continue
                    out.append((number, secret.type))
    return out


def _value(secret: object) -> str:
    value = str(getattr(secret, "secret_value", "") or "")
    if "://" in value and "@" in value:  # basic auth: judge the password part
        value = value.split("://", 1)[1].split("@", 1)[0].split(":", 1)[-1]
    return value
