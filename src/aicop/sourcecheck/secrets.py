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
    text = "\n".join(lines)
    starts = _LineStarts(lines)
    found: dict[tuple[int, int], int] = {}  # (line, kind's index) → column of the line's first match
    for index, (literals, pattern) in enumerate(_AI_KEY_PATTERNS):
        if literals and not any(literal in text for literal in literals):
            continue
        for match in pattern.finditer(text):
            number, column = starts.place(match.start())
            found.setdefault((number, index), column)
    findings = [
        CodeFinding("AIC401", display, number, column, f"{_AI_KEY_KINDS[index]} in the source")
        for (number, index), column in sorted(found.items())
    ]
    seen = {f.line for f in findings}
    for number, kind in _detect_secrets(path, lines, text, starts):
        if number not in seen:
            findings.append(CodeFinding("AIC401", display, number, 1, f"{kind} in the source"))
            seen.add(number)
    return findings


class _LineStarts:
    """Offsets in the joined text → (line, column), the line starts computed only once a match needs
    them (most files have none)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._starts: list[int] | None = None

    def place(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            starts, at = [], 0
            for line in self.lines:
                starts.append(at)
                at += len(line) + 1
            self._starts = starts
        number = bisect.bisect_right(self._starts, offset)
        return number, offset - self._starts[number - 1] + 1


def _required(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """Literals one of which every match of ``pattern`` contains (lower-cased for a case-insensitive
    pattern; () if none is known): a pattern none of whose literals is in the text cannot match, and is
    not run. This is what keeps detect-secrets' npm pattern (``//.+/:_authToken=``) from backtracking
    over every ``//`` of a 726 KB one-line JSON file, ~3 s each. Read from the parsed pattern
    (``re._parser``, the standard library's own parser but private: on any failure the pattern is
    simply always run)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        items = list(_parser.parse(pattern.pattern, pattern.flags))
        required = _sequence_requirement(items)
    except Exception:  # a failure only costs speed: the pattern is run
        return ()
    if min((len(x) for x in required), default=0) < 2:
        return ()
    return tuple(x.casefold() for x in required) if pattern.flags & re.IGNORECASE else required


def _sequence_requirement(items: list[tuple[object, object]]) -> tuple[str, ...]:
    """For a sequence of parsed items: the longest literal run, or a mandatory group's or alternation's
    requirement, whichever has the longest shortest literal."""
    from re import _constants  # type: ignore[attr-defined]

    options: list[tuple[str, ...]] = []
    run = ""
    for op, argument in items:
        if op is _constants.LITERAL:
            run += chr(argument)  # type: ignore[arg-type]
            continue
        if run:
            options.append((run,))
        run = ""
        if op is _constants.SUBPATTERN:  # (group, add flags, del flags, sequence): mandatory
            options.append(_sequence_requirement(list(argument[3])))  # type: ignore[index]
        elif op is _constants.BRANCH:  # (None, alternatives): one of them
            alternatives = [_sequence_requirement(list(a)) for a in argument[1]]  # type: ignore[index]
            if all(alternatives):
                options.append(tuple(x for a in alternatives for x in a))
    if run:
        options.append((run,))
    options = [o for o in options if o]
    return max(options, key=lambda o: min(len(x) for x in o), default=())


_AI_KEY_KINDS = tuple(AI_KEYS)
_AI_KEY_PATTERNS = tuple((_required(pattern), pattern) for pattern in AI_KEYS.values())


@functools.cache
def _token_patterns() -> tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]:
    """The enabled plugins' own deny-list patterns, each with the literal its matches must contain (run
    one by one: faster than one big alternation)."""
    from detect_secrets.settings import get_plugins, transient_settings

    with transient_settings(SETTINGS):
        return tuple(
            (_required(pattern), pattern)
            for plugin in get_plugins()
            for pattern in getattr(plugin, "denylist", ())
            if type(plugin).__name__ != "KeywordDetector"
        )


def _candidates(text: str, starts: _LineStarts, code: bool) -> list[int]:
    """Lines that any enabled plugin could report."""
    keyword = KEYWORD_IN_CODE if code else KEYWORD_IN_CONFIG
    positions = {match.start() for match in keyword.finditer(text.lower())}
    folded = ""  # case-folded text, for a case-insensitive pattern's literals (folding is what re does)
    for literals, pattern in _token_patterns():
        if literals and pattern.flags & re.IGNORECASE:
            folded = folded or text.casefold()
        haystack = folded if pattern.flags & re.IGNORECASE else text
        if not literals or any(literal in haystack for literal in literals):
            positions.update(match.start() for match in pattern.finditer(text))
    return sorted({starts.place(position)[0] for position in positions})


def _detect_secrets(path: str, lines: list[str], text: str, starts: _LineStarts) -> list[tuple[int, str]]:
    candidates = _candidates(text, starts, code=path.endswith((".py", ".ipynb")))
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
