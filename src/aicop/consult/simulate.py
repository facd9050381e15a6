"""Seeded synthetic responses to a questionnaire, with known themes and campaigns planted in them, so
the analysis can be measured against the truth (tests, benchmarks and the demo).

Respondents are individuals or organisations; the routing of the questionnaire decides what each is
asked, and :func:`aicop.consult.questionnaire.check_answers` accepts every generated response. Support
for each principle is drawn near what the final Code reports (83-90% yes). Each free-text answer is
written from one planted theme: one to three claims of that theme, each with or without an opening
phrase, so answers of one theme share meaning and vocabulary without being copies. Campaigns are form
letters: one template per campaign, sent by many respondents with small edits (an opening, a closing,
a word changed).

The truth (which theme each answer was written from, which answers are a campaign's) is written beside
the responses, never inside them: the analysis does not see it.

What it does not do: imitate the spread of real consultation writing. Its vocabulary is bounded by
the templates here, so it repeats sentences far more than people do (what that means for the
analysis's speed is said in the README).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from aicop.consult.questionnaire import Answer, Questionnaire

OPENERS = (
    "",
    "In our view, ",
    "We believe that ",
    "I think ",
    "On balance, ",
    "Our main concern is that ",
    "Put simply, ",
    "From experience, ",
)

# Theme bank: id -> (short name, claims). A question draws its planted themes from this bank.
THEMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cost": (
        "cost and burden for small firms",
        (
            "the compliance cost would fall hardest on small and micro businesses",
            "start-ups cannot afford the staff time these requirements demand",
            "the administrative burden is disproportionate for a small company",
            "smaller firms would need funding or grants to meet these provisions",
            "the cost of audits and documentation would slow down small suppliers",
            "a micro business does not have a security team to carry this out",
            "the expense of implementing every provision would price out SMEs",
            "budgets in smaller organisations are already stretched by compliance work",
        ),
    ),
    "international": (
        "alignment with international standards",
        (
            "the Code should be aligned with ETSI, ISO and NIST standards to avoid duplication",
            "divergence from the EU AI Act and US frameworks would create conflicting obligations",
            "international harmonisation matters because AI supply chains cross borders",
            "mapping each provision to ISO 42001 and the NIST AI RMF would help multinationals",
            "the UK should work through global standards bodies rather than set its own rules",
            "a separate national standard risks fragmenting the market for AI security",
            "interoperability with other jurisdictions' requirements is essential",
            "recognition of equivalent foreign certifications would reduce duplicated effort",
        ),
    ),
    "detail": (
        "more detail, examples and guidance",
        (
            "the provisions are too high level and need worked examples",
            "practical implementation guidance is needed for each provision",
            "case studies would show organisations what good looks like",
            "the wording is vague and leaves too much open to interpretation",
            "clear technical criteria are needed so that compliance can be measured",
            "templates and checklists would help teams apply the principles",
            "it is unclear what level of evidence would demonstrate that a provision is met",
            "concrete examples for different sizes of organisation are missing",
        ),
    ),
    "regulation": (
        "make it mandatory or regulate",
        (
            "a voluntary code will be ignored by the firms that most need it",
            "baseline security requirements for AI should be mandatory and enforced by a regulator",
            "without legal obligations there is no incentive to comply",
            "the government should legislate rather than rely on voluntary adoption",
            "enforcement powers and penalties are needed to make the code effective",
            "mandatory requirements for high-risk systems would protect the public",
            "history shows voluntary codes have limited take-up in the technology sector",
            "regulators need statutory backing to hold developers to account",
        ),
    ),
    "roles": (
        "unclear stakeholder roles and definitions",
        (
            "the boundary between a developer and a system operator is unclear",
            "many organisations are both data controller and developer, so the roles overlap",
            "the definition of data controller conflicts with its meaning under UK GDPR",
            "responsibility for open-source models with no single developer is not addressed",
            "end-users should not carry responsibilities they cannot reasonably exercise",
            "the terminology should match existing legal definitions to avoid confusion",
            "who is accountable when a model is fine-tuned by a third party is not clear",
            "the stakeholder definitions need examples of which party does what",
        ),
    ),
    "supply_chain": (
        "supply chain and third-party models",
        (
            "most organisations use third-party foundation models and cannot inspect them",
            "suppliers of pre-trained models should provide security documentation to customers",
            "open-source components and model hubs are a major source of supply chain risk",
            "procurement contracts should require vendors to meet the code",
            "there is no way to verify the provenance of models downloaded from public repositories",
            "software bills of materials should extend to models and datasets",
            "downstream deployers depend on upstream providers disclosing vulnerabilities",
            "due diligence on AI vendors needs a common questionnaire",
        ),
    ),
    "frontier": (
        "frontier AI and emerging risks",
        (
            "frontier models with autonomous capabilities pose risks beyond this code",
            "agentic systems that take actions need additional safeguards",
            "model weights of the most capable systems must be protected from theft",
            "the code does not address misuse of powerful models for cyber attacks",
            "dangerous capability evaluations should be required before release",
            "highly capable systems could be used to discover and exploit vulnerabilities at scale",
            "emerging risks from self-replicating or tool-using agents are not covered",
            "the most advanced models need stronger controls than the baseline",
        ),
    ),
    "skills": (
        "skills, training and awareness",
        (
            "there is a shortage of staff with both AI and security skills",
            "training programmes for developers on AI-specific threats are needed",
            "awareness training should cover prompt injection and data poisoning",
            "the government should fund skills development in AI security",
            "security teams lack knowledge of how machine learning systems fail",
            "universities should include secure AI development in their courses",
            "certification of AI security professionals would raise the bar",
            "staff need regular refresher training as threats evolve",
        ),
    ),
    "privacy": (
        "privacy and data protection",
        (
            "monitoring user inputs raises privacy concerns that must be balanced",
            "logging prompts may capture personal data and must comply with data protection law",
            "the code should reference the ICO guidance on AI and data protection",
            "training data containing personal information needs stronger safeguards",
            "retention periods for logs of user interactions should be limited",
            "privacy impact assessments should accompany security assessments",
            "users should be told when their interactions are recorded",
            "anonymisation of datasets should be required where possible",
        ),
    ),
    "support_as_is": (
        "supportive, keep as drafted",
        (
            "the principle is sensible and proportionate as drafted",
            "this is a welcome baseline that reflects good practice",
            "we support the principle and have no changes to suggest",
            "the provisions reflect what responsible organisations already do",
            "this principle is clear and should be kept in the final code",
            "the approach strikes the right balance between security and innovation",
            "we agree with the wording and its intent",
            "it is a good foundation to build on",
        ),
    ),
    "certification": (
        "assurance and certification",
        (
            "an independent certification scheme would give customers confidence",
            "third-party assurance and audits should verify compliance with the code",
            "a labelling scheme would help buyers compare AI products",
            "self-assessment alone is not credible without external verification",
            "accredited assessors should check conformance with the code",
            "a kitemark for secure AI products would build public trust",
            "assurance bodies need a common methodology for auditing AI systems",
            "procurers in the public sector should require certified products",
        ),
    ),
    "lifecycle": (
        "lifecycle, updates and end of life",
        (
            "the code should cover the secure decommissioning of models and data",
            "updates to models change their behaviour and need re-testing each time",
            "continuous monitoring after deployment matters more than testing before release",
            "version control of models and prompts should be required",
            "retraining pipelines are a point of attack that the code should address",
            "patching AI systems is harder than patching conventional software",
            "rollback plans should exist for when an update degrades security",
            "incident response plans should include AI-specific scenarios",
        ),
    ),
}

# Themes that a question's answers are written from, by the kind of free-text question it is.
PLAN: dict[str, tuple[str, ...]] = {
    "Q7_no": ("regulation", "international", "cost", "detail"),
    "Q8_reasons": ("roles", "support_as_is", "supply_chain", "detail"),
    "Q9_reasons": ("detail", "cost", "support_as_is", "skills"),
    "yes": ("detail", "support_as_is", "international", "roles"),  # wording changes of a principle
    "no": ("cost", "regulation", "detail", "international"),  # reasons against a principle
    "Q22_yes": ("frontier", "supply_chain", "privacy", "lifecycle", "skills"),
    "Q23_yes": ("cost", "skills", "certification"),
    "Q24_no": ("regulation", "certification", "skills"),
    "Q25_yes": ("certification", "regulation", "skills", "international"),
    "Q26_yes": ("international", "certification", "privacy"),
    "Q27_yes": ("frontier", "supply_chain", "privacy"),
    "Q28_yes": ("support_as_is", "detail", "skills", "frontier"),
}
# Theme weights differ by respondent type: firms write more about cost, individuals about regulation.
LEAN = {"organisation": {"cost": 2.0, "supply_chain": 1.5}, "individual": {"regulation": 2.0, "privacy": 1.5}}

CAMPAIGNS: tuple[tuple[str, str, str], ...] = (
    (
        "Q7_no",
        "campaign-mandatory",
        "{open}I am writing to ask the government to make AI security rules {strong} mandatory. A voluntary "
        "code of practice will not protect ordinary people from insecure AI products. Companies that cut "
        "corners must face real penalties, and an independent regulator must have the power to inspect "
        "AI systems before they reach the public.{close}",
    ),
    (
        "Q22_yes",
        "campaign-open-source",
        "{open}Please add a principle that protects open-source AI developers. Volunteer maintainers "
        "cannot carry the obligations written for large companies, and the code must {strong} exempt "
        "non-commercial open-source releases from the duties of developers so that open research can "
        "continue in the United Kingdom.{close}",
    ),
    (
        "Q28_yes",
        "campaign-workers",
        "{open}As a member of our union I want the final code to protect workers whose jobs are "
        "monitored or managed by AI systems. Security logging must not become workplace surveillance, "
        "and staff must be consulted {strong} before AI tools that record their activity are deployed."
        "{close}",
    ),
)
_CAMPAIGN_OPEN = ("", "Dear DSIT, ", "To whom it may concern: ", "Hello. ")
_CAMPAIGN_STRONG = ("", "fully", "clearly", "urgently")
_CAMPAIGN_CLOSE = ("", " Thank you.", " Regards.", " Yours sincerely.")

SHARES = (0.9, 0.88, 0.89, 0.85, 0.87, 0.9, 0.86, 0.83, 0.88, 0.84, 0.87, 0.85)
SUPPORT = {str(p): share for p, share in zip(range(1, 13), SHARES, strict=True)}


@dataclass
class Simulated:
    responses: list[dict[str, object]]
    identities: list[dict[str, str]]
    themes: dict[str, dict[str, str]] = field(default_factory=dict)  # question -> response id -> theme
    campaigns: dict[str, dict[str, str]] = field(default_factory=dict)  # question -> response id -> campaign

    def truth(self) -> dict[str, object]:
        return {
            "themes": self.themes,
            "campaigns": self.campaigns,
            "theme_names": {k: v[0] for k, v in THEMES.items()},
        }


def plan_of(follow_up: str) -> tuple[str, ...] | None:
    if follow_up in PLAN:
        return PLAN[follow_up]
    number = int(follow_up[1:].split("_")[0])
    if 10 <= number <= 21:
        return PLAN.get(follow_up.split("_")[1])
    return None


def simulate(questionnaire: Questionnaire, n: int, seed: int, campaign_rate: float = 0.1) -> Simulated:
    """``n`` responses; ``campaign_rate`` of those asked a campaign's question send its letter instead
    of writing their own answer."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    out = Simulated([], [])
    for index in range(n):
        respondent = f"R{index + 1:06d}"
        kind = "individual" if rng.random() < 0.55 else "organisation"
        answers = _closed_answers(questionnaire, rng, kind)
        for question, follow in questionnaire.free_text:
            if not questionnaire.follow_up_shown(follow, answers):
                continue
            if follow.id.endswith("_other"):
                answers[follow.id] = rng.choice(
                    ("Lawyer", "Trade association", "Consultant", "Retired", "Investor")
                )
                continue
            themes = plan_of(follow.id)
            if themes is None:
                continue
            campaign = next((c for c in CAMPAIGNS if c[0] == follow.id), None)
            if campaign is not None and rng.random() < campaign_rate:
                answers[follow.id] = _campaign_letter(rng, campaign[2])
                out.campaigns.setdefault(follow.id, {})[respondent] = campaign[1]
                continue
            if question.principle is None and rng.random() > 0.8:
                continue  # some leave the box empty
            if question.principle is not None and follow.when_any_of == ["yes"] and rng.random() > 0.15:
                continue  # most who support a principle suggest no change
            weights = [LEAN[kind].get(t, 1.0) for t in themes]
            theme = rng.choices(themes, weights=weights)[0]
            answers[follow.id] = _answer(rng, theme)
            out.themes.setdefault(follow.id, {})[respondent] = theme
        out.responses.append({"id": respondent, "answers": answers})
        if rng.random() < 0.3:  # about a third identify themselves
            out.identities.append(
                {
                    "response": respondent,
                    "name": f"Respondent {index + 1}",
                    "email": f"r{index + 1}@example.org",
                }
                | ({"organisation": f"Organisation {index + 1} Ltd"} if kind == "organisation" else {})
            )
    return out


def _closed_answers(questionnaire: Questionnaire, rng: random.Random, kind: str) -> dict[str, Answer]:
    answers: dict[str, Answer] = {"Q1": kind}
    for question in questionnaire.questions:
        if question.id == "Q1" or not questionnaire.shown(question, answers):
            continue
        if rng.random() < 0.03:
            continue  # an unanswered question
        ids = list(question.option_ids)
        if question.type == "multiple_choice":
            answers[question.id] = rng.sample(ids, k=rng.choice((1, 1, 2, 3)))
        elif question.principle is not None:
            yes = SUPPORT.get(question.principle, 0.85)
            answers[question.id] = rng.choices(ids, weights=(yes, (1 - yes) * 0.45, (1 - yes) * 0.55))[0]
        elif question.type == "yes_no_dont_know":
            answers[question.id] = rng.choices(ids, weights=(0.55, 0.3, 0.15))[0]
        elif question.type == "yes_no":
            answers[question.id] = rng.choices(ids, weights=(0.5, 0.5))[0]
        else:
            weights = [3.0 if i == 0 else 1.0 for i in range(len(ids))]  # the first option is commonest
            answers[question.id] = rng.choices(ids, weights=weights)[0]
    return answers


def _answer(rng: random.Random, theme: str) -> str:
    claims = rng.sample(THEMES[theme][1], k=rng.choice((1, 1, 2, 2, 3)))
    sentences = []
    for claim in claims:
        opener = rng.choice(OPENERS)
        sentence = opener + claim
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def _campaign_letter(rng: random.Random, template: str) -> str:
    strong = rng.choice(_CAMPAIGN_STRONG)
    text = template.format(open=rng.choice(_CAMPAIGN_OPEN), strong=strong, close=rng.choice(_CAMPAIGN_CLOSE))
    return " ".join(text.split())
