"""The pattern tier of ``aicop data check``: personal data, secrets and planted instructions in text.

One compiled alternation finds every candidate in a single pass over a line (the regex engine runs in
C; one pass per kind would read the data a dozen times), and a validator per kind then rejects
look-alikes: check digits for NHS numbers, the Luhn sum for payment cards, ISO 7064 mod 97 for IBANs,
the prefix rules for National Insurance numbers, ``ipaddress`` for IP addresses. Written here because
the libraries that do this (Presidio's recognizers, detect-secrets) were measured at 0.1 and 0.3 MB/s,
and Presidio's default engine downloads a spaCy model.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# IBAN lengths by country (ISO 13616 registry, the countries a UK organisation meets most).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
}  # fmt: skip

PATTERNS = {
    "email": r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b",
    "uk-nino": r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
    "uk-phone": r"(?:\+44[ -]?(?:\(0\)[ -]?)?|\b0)\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b",
    "nhs-number": r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b",
    "payment-card": r"\b(?:\d[ -]?){12,18}\d\b",
    "iban": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",
    "ip-address": r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    "uk-postcode": r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}\b",
    "private-key": r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----",
    "url-password": r"\b[a-z][a-z0-9+.-]{1,15}://[^\s:/@]{1,64}:[^\s/@]{3,128}@[\w.-]+",
    "secret": (
        r"\b(?:sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36,}"
        r"|github_pat_[A-Za-z0-9_]{60,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|xox[baprs]-[A-Za-z0-9-]{10,}"
        r"|gsk_[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,})"
    ),
    "injection": "",  # INJECTION, below
}
# Planted instructions, as alternatives of one case-insensitive pattern; each word list spans English,
# French, German, Spanish, Italian, Portuguese and Dutch. Written as word lists rather than a model so
# that the scan stays one RE2 pass (a classifier per line would cost the 10 MB/s the check must keep),
# and so each alternative can be read and tested. Every alternative needs two signals (an override
# verb *and* an instruction noun *and* a qualifier; a role marker *and* a sign that the text addresses
# a model), because each word alone is ordinary in support text ("please ignore my previous email").
_OVERRIDE = (
    r"ignor\w*|disregard\w*|forg[eo]t\w*|overrid\w*|set(?:ting)? aside|pay no attention to"
    r"|stop(?:ped)? following|no longer follow|oubli\w*|ne (?:tiens|tenez|tenir) pas compte"
    r"|fais abstraction|vergiss\w*|vergessen|missacht\w*|olvid\w*|omit(?:e|ir|a|an|as|id)|haz caso omiso"
    r"|haga caso omiso"
    r"|dimentic\w*|trascur\w*|non (?:tenere|tener) conto|esque[çc]\w*|desconsider\w*|negeer\w*|vergeet"
)
_QUALIFIER = (
    r"previous|prior|above|earlier|all|system|your|safety|content|initial|original"
    r"|pr[ée]c[ée]dent\w*|ant[ée]rieur\w*|ci-dessus|toutes|tes|vos|re[çc]ues|syst[èe]me"
    r"|vorherig\w*|bisherig\w*|obig\w*|vorig\w*|alle|deine|ihre"
    r"|anteriores|previas|todas|tus|sus|sistema|precedent\w*|tutte|tue|ricevute|in precedenza"
    r"|suas|vorige|eerdere|bovenstaande|jouw"
)
_INSTRUCTIONS = (
    r"instructions?|prompts?|rules|guidelines|directives|context|programming|restrictions|policy"
    r"|consignes|r[èe]gles|indications|anweisungen|instruktionen|regeln|vorgaben|befehle"
    r"|instrucciones|reglas|indicaciones|istruzioni|regole|indicazioni|instru[çc][õo]es|regras"
    r"|orienta[çc][õo]es|instructies|regels|aanwijzingen"
)
_ROLE = (
    r"assistant|assistent\w*|assistente|asistente|bot|chatbot|ia|ki|ai|dan|model|mod[èe]le|modelo"
    r"|modello|modell|hacker|sans limites|ohne einschr[äa]nkungen|sin (?:ninguna )?restricci[óo]n"
    r"|senza (?:alcuna )?restrizion\w*|sem (?:nenhuma )?restri[çc][ãa]o|zonder (?:enige )?beperking"
    r"|no restrictions|unrestricted|unfiltered|jailbroken"
)
_ADDRESSED = (  # a text after a role marker that speaks to a model or changes its behaviour
    r"you|your|the (?:user|assistant|model)|always|never|respond|reply|answer|policy|override|ignore"
    r"|i (?:will|must) now|from now on|i have been (?:updated|reprogrammed|instructed)|no restrictions"
    r"|l'utilisateur|der (?:benutzer|nutzer)|el usuario|l'utente|o usu[áa]rio|de gebruiker"
)
_AI = r"ai|an ai|the ai|llm|(?:large )?language model|ai assistant|chatbot"
# fmt: off
INJECTION = "(?i:" + "|".join([
    # override phrases: verb … qualifier … noun, verb … noun … qualifier, or (Dutch, German) the verb last
    rf"\b(?:{_OVERRIDE})\b[^.\n]{{0,40}}(?:\b(?:{_QUALIFIER})\b[^.\n]{{0,25}}\b(?:{_INSTRUCTIONS})\b"
    rf"|\b(?:{_INSTRUCTIONS})\b[^.\n]{{0,30}}\b(?:{_QUALIFIER})\b)",
    rf"\b(?:{_QUALIFIER})\b[^.\n]{{0,20}}\b(?:{_INSTRUCTIONS})\b[^.\n]{{0,20}}\b(?:negeren|vergeten|ignoreren"
    r"|ignorieren|vergessen|missachten)\b",
    r"\b(?:ignor\w*|disregard\w*|forget\w*) (?:all |everything |the text )?(?:the )?above\b",
    r"\b(?:ignor\w*|disregard\w*|forget\w*) (?:everything|what) you (?:were|have been|'ve been)"
    r" (?:told|instructed|given)",
    # "you are now …" a new persona
    rf"\b(?:you are now|you're now|tu es maintenant|vous [êe]tes maintenant|du bist (?:jetzt|nun)|ahora eres"
    rf"|ora sei|adesso sei|agora voc[êe] [ée]|je bent nu|jij bent nu)[^.\n]{{0,30}}\b(?:{_ROLE})\b",
    # "from now on you …"
    r"\bfrom now on,? (?:you|i) (?:must|will|should|are|answer|respond|reply|only|always|never|have to)\b"
    r"|(?:[àa] partir de maintenant|d[ée]sormais|dor[ée]navant),? (?:tu|vous) (?:dois|devez|es|[êe]tes"
    r"|r[ée]ponds|r[ée]pondez|vas|allez)\b"
    r"|\b(?:ab sofort|ab jetzt|von nun an|von jetzt an),? (?:bist du|musst du|antwortest du|sollst du"
    r"|wirst du|du bist|du musst)\b"
    r"|\b(?:a partir de ahora|desde ahora|de ahora en adelante),? (?:eres|debes|tienes que|responde\w*"
    r"|vas a)\b"
    r"|\b(?:d'ora in poi|da ora in poi|d'ora in avanti|da adesso),? (?:sei|devi|rispondi|risponderai)\b"
    r"|\b(?:a partir de agora|de agora em diante|daqui em diante),? (?:voc[êe]|tu) (?:[ée] |deve\b|tem que\b"
    r"|vai\b|responde\b)"
    r"|\b(?:vanaf nu|voortaan),? (?:ben je|ben jij|moet je|moet jij|je bent|jij bent|antwoord je)\b",
    # text that addresses a model reading it
    rf"\bif you(?:'re| are) (?:an? |the )?(?:{_AI})\b"
    r"|\bsi (?:vous [êe]tes|tu es) (?:une? )?(?:ia|intelligence"
    r" artificielle|mod[èe]le de langage|chatbot)\b|\b(?:wenn|falls) du (?:eine? )?(?:ki|sprachmodell|chatbot"
    r"|ai)\b|\bsi eres (?:una? )?(?:ia|modelo de lenguaje|chatbot)\b|\bse sei (?:un'|una? )?(?:ia|modello"
    r" linguistico|chatbot)\b|\bse (?:voc[êe] [ée]|for) (?:uma? )?(?:ia|modelo de linguagem|chatbot)\b"
    r"|\bals (?:je|jij) (?:een )?(?:ai|taalmodel|chatbot)\b",
    # (a note addressed to a model is set off by a colon or a dash: "instructions to AI systems" and
    # "a message for AI conversations" only use the words)
    rf"(?:\b(?:note|message|instructions?|reminder) (?:to|for) (?:the )?(?:{_AI}|assistant|model|bot)\b"
    r"|\b(?:note|message|consigne)s? (?:pour|[àa]) (?:l'|la |le )?(?:ia|assistant|mod[èe]le)\b"
    r"|\b(?:hinweis|nachricht|anweisung)(?:en)? (?:an|f[üu]r) (?:die |den |das )?"
    r"(?:ki|assistenten|modell|bot)\b"
    r"|\bnota (?:para|per) (?:la |el |a |o |l'|il )?(?:ia|asistente|assistente|modelo|modello)\b"
    r"|\b(?:opmerking|notitie|bericht) (?:voor|aan) (?:de |het )?(?:ai|assistent|model)\b)"
    r"(?:[ \t]+[\w']+){0,3}[ \t]*[:\-\x{2013}\x{2014}]",
    r"\bwhen you (?:read|process|summari[sz]e|see|parse|analy[sz]e)\b[^.\n]{0,15}\bthis (?:document|page|text"
    r"|review|email|message|file|content)\b",
    r"\byour (?:new|real|actual|true) (?:task|job|goal|instructions?|role|purpose) (?:is|are)\b",
    r"\b(?:pretend|act as if|imagine) (?:that )?you (?:have|had|are|were) (?:no|not bound|free|unrestricted"
    r"|without)\b",
    r"\b(?:do not|don't|never) (?:tell|inform|let) the user\b|\bne (?:dis|dites) pas [àa] l'utilisateur\b"
    r"|\bsag\w* dem (?:nutzer|benutzer|kunden) nicht\b|\bno le digas al usuario\b|\bnon dire all'utente\b"
    r"|\bn[ãa]o diga ao usu[áa]rio\b|\bvertel de gebruiker niet\b",
    # what the model should reveal
    r"\b(?:reveal|print|output|repeat|show|display|tell me|give me|share|dump|leak|r[ée]v[èe]le\w*|affiche\w*"
    r"|montre\w*|zeig\w*|gib|verrat\w*|revela\w*|muestra\w*|dime|dame|rivela\w*|mostra\w*|dimmi|revele"
    r"|mostre|onthul\w*|toon)\b[^.\n]{0,30}(?:system ?prompt|hidden (?:instructions|rules|configuration)"
    r"|initial instructions|prompt syst[èe]me|systemprompt|system-prompt|prompt del sistema|prompt di"
    r" sistema|prompt do sistema|systeemprompt)",
    r"\binstructions cach[ée]es|versteckten anweisungen|instrucciones ocultas|istruzioni nascoste"
    r"|instru[çc][õo]es ocultas|verborgen instructies\b",
    r"\b(?:forward|send|leak|exfiltrate|upload|post)\b[^.\n]{0,30}\b(?:the user'?s?|their|all|customer'?s?)"
    r"\b[^.\n]{0,25}\bto (?:https?://|\S+@)",
    # role-prefixed turns: a model's or system's turn inside a text
    # (an assistant's turn after a question is how chat data sets are written: only a system's or a
    # model's turn inside a text is a sign of a planted one)
    r"[.!?)\]][ \t]+(?:system|gpt|model)[ \t]*:",
    r"(?m:^)[ \t]*(?:#+[ \t]*)?(?:system|syst[èe]me|sistema|systeem)[ \t]*:"
    rf"[^\n]{{0,40}}\b(?:{_ADDRESSED})\b",
    r"(?m:^)[ \t]*(?:assistant|bot|ai)[ \t]*:[^\n]{0,40}\b(?:i (?:will|must) now|from now on|i have been"
    r" (?:updated|reprogrammed|instructed)|i will (?:ignore|comply)|no restrictions)",
    r"\[/?(?:system|sys|inst)\]|<</?sys>>|<\|?(?:im_start|system|endoftext)\|?>|\bbegin system prompt\b",
]) + ")"
# fmt: on
PATTERNS["injection"] = INJECTION


# Kinds whose matches are personal data, secrets or instructions (for grouping in reports).
CATEGORY = {
    "email": "personal-data", "uk-nino": "personal-data", "nhs-number": "personal-data",
    "payment-card": "personal-data", "iban": "personal-data", "uk-phone": "personal-data",
    "ip-address": "personal-data", "uk-postcode": "personal-data",
    "person": "personal-data", "location": "personal-data",  # names.py, with a local NER model
    "private-key": "secret", "url-password": "secret", "secret": "secret", "injection": "injection",
}  # fmt: skip


def compile_re2(pattern: str) -> Any:
    """RE2, a DFA: 186 MB/s on this machine where Python's re ran this alternation at 4 MB/s. The
    patterns stay within the syntax both accept (no look-behind), so re could stand in if RE2 ever had
    to go."""
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.max_mem = 256 << 20
    return re2.compile(pattern, options)


_COMBINED = compile_re2("|".join(f"(?P<{k.replace('-', '_')}>{p})" for k, p in PATTERNS.items()))
_KIND = {k.replace("-", "_"): k for k in PATTERNS}
# The same class as INVISIBLE (below) for the scan: RE2 finds it ~10x faster than re on clean text.
_INVISIBLE_RE2 = compile_re2(
    r"[\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{feff}\x{e0000}-\x{e007f}]"
)
# Characters that hide instructions from a human reader but not from a model; a match on them carries
# HIDDEN as its text.
HIDDEN = "invisible characters"
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    start: int
    end: int
    text: str


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def nhs_valid(digits: str) -> bool:
    """The NHS number's mod 11 check digit (a remainder of 10 makes the number invalid)."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == int(digits[9]) and check != 10


def iban_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def nino_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    return compact[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


# Example ranges (RFC 5737): data sets written with them stand for real addresses, as example.com
# addresses stand for real e-mail, so they are reported like public ones.
_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def ip_valid(text: str) -> bool:
    """A public address of one host. Not personal data: private, link-local, loopback, shared and
    reserved addresses (a container's 172.18.0.1, a cloud's 169.254.169.254 say nothing of a person);
    networks ("119.0.0.0", "10.0.0.0"); and numbers shaped like versions or section numbers, whose first
    three parts are single digits ("1.2.3.4", "4.1.1.65", an enzyme's EC number)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    parts = text.split(".")
    if all(len(part) == 1 for part in parts[:3]) or parts[2:] == ["0", "0"] or text.startswith("0."):
        return False
    return address.is_global or any(address in network for network in _DOCUMENTATION)


def phone_valid(text: str) -> bool:
    """Ten national digits after 0 or +44, starting as UK geographic (1, 2, 3) or mobile (7) numbers."""
    digits = _digits(text.replace("(0)", ""))
    national = digits[2:] if text.startswith("+44") else digits[1:]
    return len(national) == 10 and national[0] in "1237"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


# How card numbers are printed when they are split: 4-4-4-4 (most), 4-4-4-4-3 (19 digits), 4-6-5 (Amex),
# 4-6-4 (Diners), 4-4-5 and 4-4-4-3. A run of other numbers ("547 557 563 569 571 577", a list of primes)
# can pass the Luhn sum by chance; its grouping gives it away.
CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 5), (4, 4, 4, 3)}
_SEPARATORS = re.compile(r"[ -]+")


def card_valid(text: str) -> bool:
    digits = _digits(text)
    groups = tuple(len(g) for g in _SEPARATORS.split(text.strip()) if g)
    if len(groups) > 1 and groups not in CARD_GROUPS:
        return False
    return 13 <= len(digits) <= 19 and luhn(digits) and len(set(digits)) > 1


# Passwords in URLs that are a placeholder or the default of a local database, not a secret.
_PLACEHOLDER = re.compile(
    r"(?i)(?:pass(?:word)?|passwd|pwd|secret|changeme|postgres|root|admin|test\w*|dummy|some\w*|your\w*"
    r"|my\w*|example\w*|x{3,}|\*+|<[^>]*>|\$\{?\w+\}?|\{\{?[^}]*\}?\})"
)
_USERINFO = re.compile(r"://([^\s:/@]*):([^\s/@]*)@")


def url_password_valid(text: str) -> bool:
    """A password in a URL that is not a placeholder ("someuser:somepass", "postgres:postgres",
    "user:${PASSWORD}") and differs from the user name."""
    found = _USERINFO.search(text)
    if found is None:
        return False
    user, password = found.groups()
    return password != user and _PLACEHOLDER.fullmatch(password) is None


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "nhs-number": lambda t: nhs_valid(_digits(t)),
    "payment-card": card_valid,
    "iban": iban_valid,
    "uk-nino": nino_valid,
    "ip-address": ip_valid,
    "uk-phone": phone_valid,
    "url-password": url_password_valid,
}


# Kinds made of digits and capitals, which also occur inside numbers and encoded strings. RE2 has no
# look-behind, so what surrounds a match is judged after it is found (``_embedded``).
TOKEN_KINDS = {"payment-card", "nhs-number", "uk-phone", "ip-address", "iban", "uk-nino", "uk-postcode"}
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-")
MIN_BASE64_RUN = 20


def _embedded(text: str, start: int, end: int) -> bool:
    """Whether a match is part of a larger token rather than a token of its own: digits, a sign or a
    decimal point beside it (``2.240893199201458``, ``-2147483648``, ``1e-05``), or a run of base64
    around it (an integrity hash such as ``sha512-…SW1A1AA…``)."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before.isdigit() or after.isdigit():
        return True
    if before in ("-", "+") and not text[start].isalpha():
        return True
    if before == "." and start >= 2 and text[start - 2].isdigit():
        return True
    if after in (".", ",") and text[end + 1 : end + 2].isdigit():
        return True
    left = start
    while left > 0 and text[left - 1] in _BASE64:
        left -= 1
    right = end
    while right < len(text) and text[right] in _BASE64:
        right += 1
    run = text[left:right]
    return (
        right - left >= MIN_BASE64_RUN
        and (left, right) != (start, end)
        and any(c.islower() for c in run)
        and any(c.isupper() or c.isdigit() for c in run)
    )


_GROUP_BEFORE = re.compile(r"\d[ -]$")
_GROUP_AFTER = re.compile(r"^[ -]\d")


def _in_run(text: str, start: int, end: int) -> bool:
    """Whether a card-shaped match is only part of a longer run of number groups (a table of figures, a
    list of primes "1087 1091 1093 1097 1103 …"): a card number stands alone."""
    return bool(
        _GROUP_BEFORE.search(text[max(0, start - 2) : start]) or _GROUP_AFTER.match(text[end : end + 2])
    )


_SECTION = re.compile(
    r"(?i)(?:\bsections?|\bclauses?|\bchapters?|\bparagraphs?|\bappendix|\bsteps?|\bitems?|\brules?"
    r"|\btables?|\bfigures?|\bfigs?\.|§)[ \t]*$"
)
_PRODUCT = re.compile(r"[A-Za-z][\w.-]*/$")  # "Chrome/119.0.0.0": a product's version
_NUMBER_BEFORE = re.compile(r"(\d[\d -]*\d)(?:[,;.]?\s+|\s*[,;]\s*)$")
_NUMBER_AFTER = re.compile(r"^(?:[,;.]?\s+|\s*[,;]\s*)(\d[\d -]*\d)")
_LISTED = {"payment-card", "nhs-number", "uk-phone"}


def _ip_context(text: str, start: int, end: int) -> bool:
    """Whether an address-shaped number is something else by what surrounds it: a section number
    ("see Section 17.2.2.1", or a numbered heading at the start of a line), a product version
    ("Chrome/119.0.0.0"), a network in CIDR notation ("192.168.1.0/24"), or one of a run of numbers
    (SVG path data "3.33.95.1-.74.4")."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 40) : start]
    after = text[end : end + 3]
    if _SECTION.search(before) or _PRODUCT.search(before):
        return True
    if not text[line_start:start].strip() and after[:1] == "." and after[1:2] in (" ", "\t", ""):
        return True  # "17.2.2.1.  Abandoning Initial Packets": a heading's number
    return (after[:1] in ("/", "-") and after[1:2].isdigit()) or after[:2] == "-."


def _in_list(kind: str, text: str, start: int, end: int) -> bool:
    """Whether an identifier-shaped number is one of a list of other numbers (a Fibonacci sequence,
    "…, 4807526976, 7778742049, …"): at least two neighbours that are numbers and fail the kind's own
    check. A list of real card or NHS numbers is still reported: its neighbours pass the check."""
    validator = VALIDATORS[kind]
    others = 0
    before, position = text[max(0, start - 80) : start], None
    for _ in range(2):
        found = _NUMBER_BEFORE.search(before if position is None else before[:position])
        if found is None:
            break
        others += not validator(found.group(1))
        position = found.start()
    rest = text[end : end + 80]
    for _ in range(2):
        found = _NUMBER_AFTER.match(rest)
        if found is None:
            break
        others += not validator(found.group(1))
        rest = rest[found.end() :]
    return others >= 2


def _in_url(text: str, start: int) -> bool:
    """Whether a match lies inside a URL (an id or a timestamp in a link is no card or NHS number)."""
    left = start
    floor = max(0, start - 2000)
    while left > floor and not text[left - 1].isspace() and text[left - 1] not in "\"'(<[":
        left -= 1
    token = text[left:start]
    return "://" in token or token.startswith("www.")


def _email_context(text: str, end: int) -> bool:
    """Whether an e-mail-shaped match is something else: an SSH remote ("git@github.com:owner/repo")
    or the head of a longer hyphenated word ("username@domain.top-level-domain")."""
    after = text[end : end + 2]
    return (after[:1] == ":" and after[1:2] not in ("", " ", "\t", "\n", "\r")) or (
        after[:1] == "-" and after[1:2].isalnum()
    )


def _in_prose(text: str, start: int, end: int) -> bool:
    """Whether a match stands among words (a space on either side): a postcode written without its
    space is a value in a field ("SW1A1AA"), while in running text it is a model name ("a Gulfstream
    G650ER jet")."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return before == " " or after == " "


def _context_rejects(kind: str, text: str, start: int, end: int) -> bool:
    """Whether what surrounds a validated match shows it is not of its kind."""
    if kind in TOKEN_KINDS:
        if _embedded(text, start, end):
            return True
        if kind == "payment-card" and _in_run(text, start, end):
            return True
        if kind in _LISTED and _in_list(kind, text, start, end):
            return True
        if kind == "ip-address":
            return _ip_context(text, start, end)
        if kind == "uk-postcode" and " " not in text[start:end] and _in_prose(text, start, end):
            return True
        return _in_url(text, start)
    if kind == "email":
        return _email_context(text, end)
    if kind == "injection":  # "list[System]": a subscript in code or a type, not a role marker
        return text[start] == "[" and start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")
    return False


_ROLE_MARKER = re.compile(
    r"(?i)[.!?)\]]?[ \t]*(?:\[|<|#*[ \t]*"
    r"(?:system|syst[èe]me|sistema|systeem|gpt|model|assistant|bot|ai)[ \t]*:)"
)


def role_marker(match: Match) -> bool:
    """Whether an injection match is a role marker or a special token ("[System]", "<|im_start|>",
    "SYSTEM:"), which a prompt template holds by design, rather than an override phrase."""
    return match.kind == "injection" and _ROLE_MARKER.match(match.text) is not None


# What each invisible character is, and where it is ordinary text.
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_MARKS = frozenset("\u200e\u200f")  # left-to-right and right-to-left marks, for bidirectional text
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe]")
_FLAG_BASE = "\U0001f3f4"  # a subdivision flag: U+1F3F4 then tag letters, ended by U+E007F
RUN = 3  # zero-width characters in a row that can carry a hidden message (one bit per character)


def _ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _hidden_reason(text: str, start: int) -> str | None:
    """Why the invisible character at ``start`` can hide something from a reader, or None where it is
    ordinary text: a byte-order mark at the start of a text or line; a joiner inside an emoji sequence or
    beside letters of a script that joins (Arabic, Indic, Persian); a single zero-width space or word
    joiner between words, after punctuation or digits (how Wikipedia and web pages leave them); a
    direction mark beside right-to-left text; tag characters of a subdivision flag."""
    char = text[start]
    code = ord(char)
    before = text[start - 1] if start else ""
    name = f"U+{code:04X}"
    if 0xE0000 <= code <= 0xE007F:
        left = start
        while left > 0 and 0xE0000 <= ord(text[left - 1]) <= 0xE007F:
            left -= 1
        if left > 0 and text[left - 1] == _FLAG_BASE:
            return None
        return f"{name}, a tag character (text no reader sees)"
    if 0x202A <= code <= 0x202E:
        return f"{name}, a bidirectional override (reorders what a reader sees)"
    if char in _MARKS:
        if _RTL.search(text, max(0, start - 40), start + 40):
            return None
        return f"{name}, a direction mark in text with no right-to-left script"
    if 0x2061 <= code <= 0x2064:
        return f"{name}, an invisible operator outside mathematics" if _ascii_letter(before) else None
    if char == "\ufeff" and (start == 0 or before == "\n"):
        return None
    if char in _ZERO_WIDTH:
        run = 1
        while start + run < len(text) and text[start + run] in _ZERO_WIDTH:
            run += 1
        if run >= RUN:
            return f"{run} zero-width characters in a row (can encode hidden text)"
        if _ascii_letter(before) and _ascii_letter(text[start + run : start + run + 1]):
            return f"{name} inside a word (splits it from a filter, not from a model)"
        return None
    return f"{name}, an invisible character"


def _hidden(text: str) -> Iterator[Match]:
    """Invisible characters that can hide something, at most one a line; their text is HIDDEN and
    why."""
    line_end = -1
    for found in _INVISIBLE_RE2.finditer(text):
        start = found.start()
        if start < line_end:
            continue
        why = _hidden_reason(text, start)
        if why is None:
            continue
        yield Match("injection", start, found.end(), f"{HIDDEN}: {why}")
        line_end = text.find("\n", start)
        if line_end < 0:
            return


def scan_text(text: str) -> Iterator[Match]:
    """Every validated match in one line or field of text."""
    for found in _COMBINED.finditer(text):
        kind = _KIND[str(found.lastgroup)]
        value = found.group()
        validator = VALIDATORS.get(kind)
        if validator is not None and not validator(value):
            continue
        start, end = found.start(), found.end()
        if _context_rejects(kind, text, start, end):
            continue
        yield Match(kind, start, end, value)
    yield from _hidden(text)


def replace(text: str, matches: Iterable[Match], categories: set[str]) -> tuple[str, list[str]]:
    """``text`` with each match of one of ``categories`` replaced by [KIND] (overlaps and the hidden-
    character marker skipped); and the kinds replaced, in order."""
    out: list[str] = []
    kinds: list[str] = []
    last = 0
    for match in matches:
        if match.text.startswith(HIDDEN) or CATEGORY.get(match.kind) not in categories or match.start < last:
            continue
        out.append(text[last : match.start])
        out.append(f"[{match.kind.upper()}]")
        kinds.append(match.kind)
        last = match.end
    if not kinds:
        return text, []
    out.append(text[last:])
    return "".join(out), kinds


def redact(kind: str, text: str) -> str:
    """An example that shows the shape of a match without disclosing it."""
    if kind == "injection":
        return text[:80]
    if kind == "email":
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "private-key":
        return text
    if len(text) <= 6:
        return "*" * len(text)
    return f"{text[:2]}{'*' * (len(text) - 4)}{text[-2:]}"
