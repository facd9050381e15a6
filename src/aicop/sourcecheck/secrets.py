"""Secrets in code and configuration: detect-secrets' plugins, plus patterns for AI providers' keys
that detect-secrets does not know (Anthropic, Hugging Face, Google, Groq, Replicate, new OpenAI keys).

The high-entropy and public-IP plugins are off: on ordinary source they report hundreds of false
positives per 20,000 lines (measured for issue 4).
"""

from __future__ import annotations

import re

from aicop.sourcecheck.model import CodeFinding

PLUGINS = [
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "KeywordDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
]
AI_KEYS = {
    "Anthropic API key": re.compile(r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}"),
    "OpenAI API key": re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"),
    "Hugging Face token": re.compile(r"\bhf_[A-Za-z]{34}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Groq API key": re.compile(r"\bgsk_[A-Za-z0-9]{52}\b"),
    "Replicate API token": re.compile(r"\br8_[A-Za-z0-9]{37}\b"),
}


def find_secrets(path: str, display: str, lines: list[str]) -> list[CodeFinding]:
    findings = [
        CodeFinding("AIC401", display, number, match.start() + 1, f"{kind} in the source")
        for number, text in enumerate(lines, start=1)
        for kind, pattern in AI_KEYS.items()
        for match in [pattern.search(text)]
        if match
    ]
    seen = {f.line for f in findings}
    for number, kind in _detect_secrets(path):
        if number not in seen:
            findings.append(CodeFinding("AIC401", display, number, 1, f"{kind} in the source"))
            seen.add(number)
    return findings


def _detect_secrets(path: str) -> list[tuple[int, str]]:
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import transient_settings

    settings = {"plugins_used": [{"name": name} for name in PLUGINS]}
    with transient_settings(settings):
        return [(secret.line_number, secret.type) for secret in scan_file(path)]
