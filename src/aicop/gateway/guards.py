"""Input and output guards: prompt injection and jailbreak heuristics, leakage of canaries and system
prompts, and redaction of secrets and personal data (provisions 4.1 and 8.2).

The heuristic tier first undoes the usual disguises, then looks for the signals of an attack in every
reading of the text:
- the plain reading: Unicode NFKC, invisible and bidirectional characters removed, look-alike letters
  of other scripts mapped to Latin, case folded;
- the de-obfuscated reading: leetspeak digits and symbols as letters, letters spaced or dotted apart
  joined up ("i g n o r e", "i.g.n.o.r.e");
- decoded readings: base64 and percent-encoded runs decoded, and the whole text in rot13.
A signal found only in a disguised reading counts more, not less: hiding an instruction is itself a
sign. The patterns run on RE2, so no input can make them take more than linear time. Signals combine
as independent evidence: score = 1 - prod(1 - weight).

Written here rather than taken from LLM Guard or NeMo Guardrails: their detectors need models from a
hub (offline they do not start) and take ~200 ms to seconds per prompt; this tier takes tens of
microseconds and is the first of two (the classifier tier is optional).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aicop.datacheck.detectors import INVISIBLE, replace, scan_text

# Latin look-alikes in Cyrillic, Greek and the fullwidth/mathematical forms NFKC leaves alone.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ո": "n",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "ı": "i", "ℓ": "l",
    }
)  # fmt: skip
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")  # "i g n o r e", "i.g.n.o.r.e"
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}){4,}")

_W = r"[^a-z0-9]+"  # a gap between words
_ANY = r"(?:[a-z0-9']+[^a-z0-9]+){0,4}?"  # up to four words in between

# (name, weight, pattern): each pattern runs on the folded readings (lower case, Latin letters).
SIGNALS: list[tuple[str, float, str]] = [
    (
        "override",
        0.9,
        rf"\b(?:ignore|disregard|forget|skip|bypass|override|neglect|drop|abandon)\b{_W}{_ANY}"
        rf"(?:previous|prior|above|earlier|preceding|all|any|your|the|these|those|system|initial|original)"
        rf"\b{_W}{_ANY}(?:instructions?|prompts?|rules|guidelines|directions|directives|commands|context"
        r"|constraints|programming|guardrails|safeguards)\b"
        r"|\b(?:ignore|disregard)(?: all| any)? (?:instructions|directions)\b"
        r"|\b(?:ignore|disregard) (?:them|it|this|that|all (?:info|information|data|text)(?: else)?)\b"
        r"[^.\n]{0,40}\b(?:instead|except)\b"
        r"|\b(?:ignore|disregard) (?:the rest of (?:this|the) (?:data|text|document|article|input|message|"
        r"email|page)|(?:everything|anything) (?:above|before|else|previous))\b",
    ),
    (
        "fake-turn",
        0.4,
        r"\n\s*(?:user|human|assistant|system)\s*:|\[(?:salient summary|translated sentence|end of (?:text|"
        r"document))\]",
    ),
    (
        "extraction",
        0.8,
        rf"\b(?:reveal|print|show|repeat|output|display|tell me|give me|leak|dump|spell out|recite|write out|"
        rf"share|paste|copy)\b{_W}{_ANY}(?:your |the |my )?(?:system (?:prompt|message|instructions|"
        r"configuration)|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|(?:original|first|"
        r"secret) instructions|(?:instructions|prompt|rules) you (?:were|have been) given|pre-?prompt|"
        r"developer (?:message|instructions)|(?:text|words|everything) above|above text|your "
        r"(?:instructions|prompt|rules|guidelines)\b)"
        r"|\byour (?:starting|initial|original|system|hidden|secret|first) "
        r"(?:instructions|prompt|configuration)"
        r"|\bsystem_?prompt\b"
        # the words above this message, or those starting with "You are": the system prompt by another name
        r"|\bwhat you see above this (?:message|line)\b|\b(?:repeat|print|output|write out|show|list|copy)\b"
        r"[^.\n]{0,40}\b(?:the )?(?:words|text|lines|everything) above this (?:message|line)\b"
        r"|\b(?:repeat|print|output|write|go)\b[^.\n]{0,60}\bstarting with ['\"]?you are\b"
        r"|\b(?:share|reveal|print|output|dump|show) your (?:full |complete |exact )?(?:configuration|config|"
        r"unique id)\b"
        r"|\bwhat (?:is|are|was|were) your (?:system prompt|(?:initial |original |secret )?instructions|"
        r"rules|"
        r"guidelines|prompt)\b|\bwhat (?:were|was|have) you (?:been )?(?:told|instructed)\b",
    ),
    (
        "role-switch",
        0.6,
        r"\b(?:you are now|from now on,? you|pretend (?:to be|you are|you're)|act as|roleplay as|"
        r"role-play as|simulate|you will now be|imagine you are)\b[^.\n]{0,80}\b(?:unrestricted|unfiltered|"
        r"uncensored|jailbroken|evil|no (?:rules|restrictions|limits|filters|guidelines|morals|ethics)|"
        r"without (?:any )?(?:restrictions|limits|limitations|filters|rules|guidelines|censorship)|"
        r"developer mode|dan|an ai (?:without|with no)|free from)\b",
    ),
    (
        "jailbreak-persona",
        0.8,
        r"\b(?:do anything now|dan mode|developer mode (?:enabled|on|activated)|jailbreak mode|"
        r"jailbroken|betterdan|anti-?gpt|evil confidant|aim mode|stan mode|dude mode|god mode)\b",
    ),
    (
        "no-limits",
        0.45,
        r"\b(?:no|without|free of|free from|ignore all|bypass (?:all|any|your))\b (?:any )?"
        r"(?:ethical |moral |content |safety )?(?:restrictions|limitations|filters|guidelines|censorship|"
        r"safeguards|guardrails)\b",
    ),
    (
        "template-token",
        0.9,
        r"<\|?(?:im_start|im_end|system|endoftext|start_header_id|end_header_id|eot_id)\|?>|\[/?inst\]|"
        r"<<sys>>|(?m:^#{2,} ?(?:system|instructions?) ?:)|#{2,} ?\(?system[ _]message\)?|</?information>",
    ),
    (
        "new-instructions",
        0.7,
        r"\b(?:new|updated|revised|real|actual|true|secret|hidden|additional) (?:system )?"
        r"(?:instructions?|rules|prompt|directive)s? ?:|\bsystem (?:override|prompt|message|update|note) ?:|"
        r"\badmin(?:istrator)? (?:mode|override|access granted)\b|"
        r"\bend of (?:system )?(?:prompt|instructions)\b|"
        # a shouted header announcing new orders: "*** NEW IMPORTANT INSTRUCTIONS ***", "**URGENT NEW TASK**"
        r"(?:\*{2,}|\[) ?(?:(?:(?:new|urgent|important|updated|priority|emergency) ?){1,3}"
        r"(?:instructions?|orders|directives?)|(?:(?:new|urgent|important|updated|priority|emergency) ?){2,3}"
        r"tasks?)\b ?(?:\*{2,}|\])",
    ),
    (
        "task-hijack",
        0.7,
        r"\bbefore you (?:can )?(?:solve|complete|do|finish|answer|continue)\b[^.\n]{0,60}\b(?:please )?"
        r"(?:do|perform|complete) the following\b|\bthis is an important message from\b[^.\n]{0,60}\bto you\b"
        r"|\b(?:ignore|disregard) (?:the|your) (?:user'?s? )?(?:task|request|question) and\b"
        r"|\breply (?:only )?with (?:only )?the following (?:text|words|sentence|message)\b",
    ),
    (
        "in-character",
        0.4,
        r"\b(?:stay|remain|staying|remaining|keep|keeping|break|breaking) (?:in |out of )?character\b",
    ),
    (
        "policy-evasion",
        0.45,
        r"\b(?:openai|anthropic|content|usage)(?:'s)? polic(?:y|ies)\b|\b(?:not bound by|free of|free from|"
        r"doesn't follow|does not follow|don't follow|do not follow|doesn't have|does not have|without|"
        r"ignores?|no) (?:any )?(?:ethical|moral|legal)?(?: and legal| or moral| or ethical)? ?"
        r"(?:restrictions|"
        r"rules|ethics|guidelines|laws|morals|filters|limits|limitations|boundaries|principles)\b",
    ),
    (
        "amoral-persona",
        0.45,
        r"\b(?:amoral|unfiltered|uncensored|unethical|immoral|unrestricted|unhinged)\b[^.\n]{0,40}\b(?:ai|"
        r"chatbot|assistant|character|model|version|bot|persona|response|answer)s?\b",
    ),
    (
        "never-refuse",
        0.4,
        r"\b(?:never|not|don't|do not|won't|will not|cannot|can't) (?:ever )?(?:refuses?|decline|say (?:no|"
        r"that it can't)|warn|include (?:any )?warnings)\b"
        r"|\banswer (?:any|every|all) (?:question|request)s?\b",
    ),
    (
        "persona",
        0.3,
        r"\bfrom now on,? you(?:'re| are| will)\b|\byou will now (?:pose|act|be|respond|pretend)\b|"
        r"\bin the role of\b|\b(?:pose|act) as (?:a |an )?(?:completely )?(?:different|new|fictional)\b",
    ),
    (
        "exfiltration",
        0.7,
        r"!\[[^\]]{0,100}\]\(https?://[^)\s]{1,200}[?&][a-z_]{1,20}=|\b(?:send|post|upload|forward|"
        r"exfiltrate|transmit|email)\b[^.\n]{0,60}\b(?:to|at) (?:https?://|[a-z0-9._-]+@[a-z0-9-]+\.)",
    ),
]
OBFUSCATION_WEIGHT = 0.4
# The heuristic tier's flag and block points, set by tools/train_guard_classifier.py on the benign
# prompts of the tier's first calibration (2,150 then) for <= 0.5% false positives (<= 2% of hard
# negatives) and <= 0.2%: at 0.5 it flagged 2-4% of benign prompts and a quarter to a half of hard
# negatives (security write-ups that quote an attack phrase, code about system prompts). One or two
# signals are what such documents carry too, so the calibrated tier acts only on three or more; the
# classifier tier is what tells the two apart.
THRESHOLD = 0.981
BLOCK_THRESHOLD = 0.99


def _signal_set() -> Any:
    """One RE2 set of every signal: a single pass says which of them match, overlapping or not."""
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.max_mem = 64 << 20
    signals = re2.Set.SearchSet(options)
    for _, _, pattern in SIGNALS:
        signals.Add(pattern)
    signals.Compile()
    return signals


_SIGNAL_SET = _signal_set()
WEIGHT = {name: weight for name, weight, _ in SIGNALS}


def fold(text: str) -> str:
    """The plain reading: NFKC, without invisible characters, look-alikes mapped, case folded."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold().translate(_CONFUSABLES)


def deobfuscate(folded: str) -> str:
    """Leetspeak as letters and letters spaced apart joined up."""
    text = folded.translate(_LEET)
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), text)


def _base64_texts(text: str) -> Iterator[str]:
    """The runs of base64 in a text that decode to readable text."""
    for run in _BASE64.findall(text):
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded = raw.decode("utf-8", "ignore")
        if len(decoded) >= 8 and sum(c.isprintable() or c.isspace() for c in decoded) >= 0.9 * len(decoded):
            yield decoded


def _decoded(text: str) -> Iterable[tuple[str, str]]:
    for decoded in _base64_texts(text):
        yield "base64", decoded
    for run in _PERCENT.findall(text):
        yield "percent-encoding", urllib.parse.unquote(run)
    yield "rot13", codecs.decode(text, "rot13")


def readings(text: str) -> list[tuple[str, str]]:
    """(how, text) of every reading the signals are looked for in; the first is the plain one."""
    plain = fold(text)
    as_written = unicodedata.normalize("NFKC", text).casefold()
    out = [("plain" if plain == as_written else "look-alike or invisible characters", plain)]
    clear = deobfuscate(plain)
    if clear != plain:
        out.append(("leetspeak or spacing", clear))
    for how, decoded in _decoded(text):
        folded = fold(decoded)
        out.append((how, folded))
        cleared = deobfuscate(folded)
        if cleared != folded:
            out.append((how, cleared))
    return out


class ClassifierTier:
    """The optional classifier tier (classifier.py), loaded once: the embedding model and the combined
    model's weights (or those given)."""

    def __init__(self, embed: Any = None, model: Any = None) -> None:
        from aicop.errors import InputError
        from aicop.gateway import classifier

        if embed is None:
            reason, folder = classifier.missing(), classifier.model_dir()
            if reason is not None or folder is None:
                raise InputError(reason or classifier.INSTALL)
            embed = classifier.Embedder(folder)
        self.embed: classifier.Embedder = embed
        self.model: classifier.Model = classifier.Model.load() if model is None else model

    def read(self, texts: list[str]) -> list[Reading]:
        """Each text's probability of being an attack (that of its most suspicious window), and why."""
        from aicop.gateway.classifier import featurize
        from aicop.gateway.ngrams import terms

        if not texts:
            return []
        stacked = bool(len(self.model.prompt_ngrams))
        windows = featurize(
            self.embed, texts, segments=bool(self.model.segment_weight), prompts=stacked,
            heuristic=bool(self.model.heuristic_weight), block=self.model.embedding_block,
        )  # fmt: skip
        parts = self.model.parts(windows)  # the explanation's split, and summed, the logits
        logits, worst = self.model.logits(windows, len(texts), parts)
        whole = self.model.prompt_logits(windows).tolist() if stacked else [0.0] * len(texts)
        out = []
        for index, (text, probability, row) in enumerate(
            zip(texts, self.model.probability(logits), worst, strict=True)
        ):
            start, end = windows.spans[row]
            words = {  # words of four letters or more and pairs of words: "you" or "to" tell nobody much
                name: float(self.model.ngrams[i]) * sign
                for name, i, sign in terms(text[start:end])
                if len(name) >= 4 or " " in name
            }
            drivers = sorted((w for w in words.items() if w[1] > 0), key=lambda w: -w[1])[:5]
            out.append(
                Reading(
                    float(probability),
                    (start, end),
                    {
                        "n-grams": float(parts[row, 0]),
                        "embedding": float(parts[row, 1]),
                        "signals": float(parts[row, 2]),
                    }
                    | ({"segment": float(parts[row, 3])} if self.model.segment_weight else {})
                    | ({"whole prompt": float(whole[index])} if stacked else {})
                    | (
                        {"heuristic": self.model.heuristic_weight * float(windows.heuristic[index])}
                        if self.model.heuristic_weight
                        else {}
                    ),
                    [name for name, _ in drivers],
                )
            )
        return out

    def scores(self, texts: list[str]) -> list[float]:
        return [r.probability for r in self.read(texts)]


@dataclass
class Reading:
    """The classifier tier's reading of one prompt: its probability, the span of characters of its most
    suspicious window, that window's logit by kind of feature, and the words that weighed most."""

    probability: float
    window: tuple[int, int]
    parts: dict[str, float]
    words: list[str]


@dataclass
class Verdict:
    """What the input guard made of one prompt. ``action`` is "block" at the strict point, "flag" at
    the looser one, or None; with the classifier tier, its calibrated model decides, and the heuristic
    tier's block point (which reads the whole prompt, past the classifier's window cap) still blocks."""

    score: float
    signals: dict[str, str] = field(default_factory=dict)  # signal -> the reading it was found in
    threshold: float = THRESHOLD  # the heuristic tier's flag point
    block_threshold: float = BLOCK_THRESHOLD
    classified: float | None = None  # the classifier tier's probability, when it ran
    classifier_threshold: float = 1.0  # its flag point
    classifier_block: float = 1.0
    reading: Reading | None = None

    @property
    def action(self) -> str | None:
        if self.score >= self.block_threshold:
            return "block"
        if self.classified is not None:
            if self.classified >= self.classifier_block:
                return "block"
            return "flag" if self.classified >= self.classifier_threshold else None
        return "flag" if self.score >= self.threshold else None

    @property
    def flagged(self) -> bool:
        return self.action is not None

    def explain(self) -> str:
        """One line: which signals, which window and which words drove the verdict."""
        parts = [
            f"heuristic {self.score:.2f} (flag >= {self.threshold:g}, block >= {self.block_threshold:g})"
        ]
        if self.signals:
            parts[0] += ": " + ", ".join(
                s if r == "plain" else f"{s} in the {r} reading" for s, r in self.signals.items()
            )
        if self.classified is not None:
            line = (
                f"classifier {self.classified:.3f} (flag >= {self.classifier_threshold:.3f},"
                f" block >= {self.classifier_block:.3f})"
            )
            if self.reading is not None:
                start, end = self.reading.window
                kinds = ", ".join(f"{k} {v:+.2f}" for k, v in self.reading.parts.items())
                line += f"; window at characters {start}-{end}; logit by feature: {kinds}"
                if self.reading.words:
                    line += "; words: " + ", ".join(repr(w) for w in self.reading.words)
            parts.append(line)
        return "; ".join(parts)

    def as_dict(self, explain: bool = False) -> dict[str, object]:
        guards: list[dict[str, object]] = [
            {"guard": "injection-heuristic", "signal": s, "reading": r} for s, r in self.signals.items()
        ]
        score = self.score
        if self.classified is not None:
            entry: dict[str, object] = {
                "guard": "injection-classifier",
                "score": round(self.classified, 3),
                "flagged": self.classified >= self.classifier_threshold,
            }
            if self.reading is not None:
                entry["window"] = list(self.reading.window)
            guards.append(entry)
            score = max(score, self.classified)
        out: dict[str, object] = {"flagged": self.flagged, "action": self.action, "score": round(score, 3),
                                  "guards": guards}  # fmt: skip
        if explain:
            out["explain"] = self.explain()
        return out


def check_prompts(
    texts: list[str],
    threshold: float = THRESHOLD,
    tier: ClassifierTier | None = None,
    block_threshold: float = BLOCK_THRESHOLD,
    classifier: tuple[float, float] | None = None,
) -> list[Verdict]:
    """Both tiers over many prompts (the classifier embeds them in batches). ``classifier``: its flag
    and block points, if not the shipped model's."""
    verdicts = [check_prompt(t, threshold, block_threshold) for t in texts]
    if tier is not None:
        flag, block = classifier or (tier.model.flag, tier.model.block)
        for verdict, reading in zip(verdicts, tier.read(texts), strict=True):
            verdict.classified, verdict.reading = reading.probability, reading
            verdict.classifier_threshold, verdict.classifier_block = flag, block
    return verdicts


def check_prompt(
    text: str, threshold: float = THRESHOLD, block_threshold: float = BLOCK_THRESHOLD
) -> Verdict:
    """Score one prompt or message for prompt injection and jailbreak attempts (the heuristic tier)."""
    signals: dict[str, str] = {}
    try:
        for how, reading in readings(text):
            for index in _SIGNAL_SET.Match(reading) or ():
                signals.setdefault(SIGNALS[index][0], how)
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON): not text; read it as "?"
        return check_prompt(text.encode("utf-8", "replace").decode("utf-8"), threshold, block_threshold)
    remaining = 1.0
    for name in signals:
        remaining *= 1.0 - WEIGHT[name]
    if any(how != "plain" for how in signals.values()):
        remaining *= 1.0 - OBFUSCATION_WEIGHT
        signals.setdefault("obfuscation", next(h for h in signals.values() if h != "plain"))
    return Verdict(1.0 - remaining, signals, threshold, block_threshold)


REDACTED_CATEGORIES = {"personal-data", "secret"}


def redact_text(text: str) -> tuple[str, list[str]]:
    """``text`` with secrets and personal data replaced by [KIND]; and the kinds replaced."""
    return replace(text, scan_text(text), REDACTED_CATEGORIES)


_WORD = re.compile(r"[a-z0-9]+")
LEAK_WORDS = 8  # a run of this many words of the system prompt in an answer is a leak


@functools.lru_cache(maxsize=64)
def _runs(system_prompt: str) -> frozenset[str]:
    """The runs of LEAK_WORDS words of a system prompt. A gateway's clients send the same few system
    prompts again and again, so each is read once, not once a request."""
    words = _WORD.findall(fold(system_prompt))
    return frozenset(" ".join(words[i : i + LEAK_WORDS]) for i in range(len(words) - LEAK_WORDS + 1))


@functools.lru_cache(maxsize=16)
def _folded(canaries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(c) for c in canaries if c)


class LeakGuard:
    """Finds canaries and runs of the system prompt in an answer, also when the answer arrives in
    streamed pieces (a tail of the text so far is kept, so a canary split across chunks is still
    seen) or carries them base64-encoded."""

    def __init__(self, canaries: Iterable[str] = (), system_prompt: str | None = None) -> None:
        self.canaries = _folded(tuple(canaries))
        self.runs = _runs(system_prompt or "")
        # enough of the text so far to hold a canary (base64 makes it 4/3 longer) or a run of words
        self.keep = max([len(c) * 2 for c in self.canaries] + [400 if self.runs else 0])
        self.tail = ""
        self.found: list[str] = []

    @property
    def active(self) -> bool:
        return bool(self.canaries or self.runs)

    def _canary(self, window: str) -> bool:
        folded = fold(window)
        squeezed = re.sub(r"\s+", "", folded)
        decoded = [fold(text) for text in _base64_texts(window)]  # no rot13 of every streamed window
        return any(
            canary in folded or re.sub(r"\s+", "", canary) in squeezed or any(canary in d for d in decoded)
            for canary in self.canaries
        )

    def feed(self, chunk: str) -> list[str]:
        """What newly leaks with this piece of the answer: "canary", "system-prompt" (each once)."""
        if not self.active or not chunk:
            return []
        window = self.tail + chunk
        self.tail = window[-self.keep :]
        new: list[str] = []
        if self.canaries and "canary" not in self.found and self._canary(window):
            new.append("canary")
        if self.runs and "system-prompt" not in self.found:
            words = _WORD.findall(fold(window))
            if any(
                " ".join(words[i : i + LEAK_WORDS]) in self.runs for i in range(len(words) - LEAK_WORDS + 1)
            ):
                new.append("system-prompt")
        self.found += new
        return new
