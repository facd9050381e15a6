"""``aicop consult analyse``: responses in, one :class:`Analysis` out (tallies, support per principle,
themes and campaigns per free-text question), which the renderers in :mod:`aicop.consult.report` turn
into HTML, Markdown and CSV. Nothing here writes files except the embedding cache.

The "Other (please specify)" boxes are listed, not themed: they are short labels, not views.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from aicop.consult.questionnaire import Questionnaire
from aicop.consult.responses import Response
from aicop.consult.tallies import Support, Tally, support, tally
from aicop.consult.themes import QuestionThemes, Theme, find_campaigns, themes_of

METHOD = (
    "Closed questions: counts by option, overall and by segment; the base of each percentage is the "
    "respondents the routing showed the question to and who answered it (those shown it who left it "
    "blank are counted as not answered); 95% Wilson score intervals. Free text: near-identical answers "
    "of at least 25 words sent by at least 10 respondents (and 1% of the question's answers) are "
    "reported as campaigns and left out of the themes; the other answers are embedded sentence by "
    "sentence with all-MiniLM-L6-v2 (an answer is the mean of its sentences), grouped by k-means with k "
    "(2 to 10) chosen by the silhouette, each theme named by its most distinctive terms (class-based "
    "TF-IDF) and shown with the answers nearest its centre."
)
LIMITS = (
    "Respondents chose to answer: the shares describe them, not the population, and the intervals "
    "measure sampling noise only, not who chose to respond.",
    "Themes are groups of answers that use similar words; an answer with two points is put in one theme. "
    "Names are the commonest distinctive words until an analyst renames them.",
    "A campaign is recognised by wording: an organised view written in each sender's own words is "
    "counted as individual answers.",
    "The embedding model reads English; answers in other languages group poorly.",
)


@dataclass
class Analysis:
    questionnaire: Questionnaire
    respondents: int
    by_type: dict[str, int]
    tallies: list[Tally]
    support: list[Support]
    free_text: list[QuestionThemes]
    specified: dict[str, dict[str, int]]  # "Other (please specify)" follow-up -> text -> count
    decisions_file: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds of CPU per stage
    sentences_embedded: int = 0

    def themes(self) -> list[tuple[QuestionThemes, Theme]]:
        return [(q, t) for q in self.free_text for t in q.themes]


def analyse(
    questionnaire: Questionnaire,
    responses: list[Response],
    *,
    cache: Path | None = None,
    decisions: Path | None = None,
) -> Analysis:
    from aicop.catalog import load_catalog
    from aicop.consult.embed import SentenceVectors

    clock = time.process_time()
    timings: dict[str, float] = {}
    answers = [r.answers for r in responses]
    tallies = tally(questionnaire, answers)
    titles = {p.id: p.title for p in load_catalog(questionnaire.catalog).principles}
    supports = support(questionnaire, tallies, titles)
    by_type: dict[str, int] = {}
    for a in answers:
        kind = a.get("Q1")
        key = kind if isinstance(kind, str) else "not answered"
        by_type[key] = by_type.get(key, 0) + 1
    timings["tallies"] = time.process_time() - clock

    clock = time.process_time()
    questions: list[QuestionThemes] = []
    specified: dict[str, dict[str, int]] = {}
    for parent, follow in questionnaire.free_text:
        given = [(r.id, r.answers[follow.id]) for r in responses if follow.id in r.answers]
        if follow.when_any_of and all(parent.by_option(o).specify for o in follow.when_any_of):
            counts: dict[str, int] = {}
            for _, text in given:
                counts[str(text)] = counts.get(str(text), 0) + 1
            specified[follow.id] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            continue
        texts = [str(text) for _, text in given]
        found = QuestionThemes(follow.id, parent.id, follow.text, [i for i, _ in given], texts)
        found.campaigns = find_campaigns(texts)
        questions.append(found)
    timings["campaigns"] = time.process_time() - clock

    clock = time.process_time()
    embedder = SentenceVectors(cache)
    vectors = {}
    for found in questions:
        vectors[found.question] = embedder.embed(found.answers)
    embedder.save()
    timings["embeddings"] = time.process_time() - clock

    clock = time.process_time()
    for found in questions:
        in_campaign = {i for c in found.campaigns for i in c.members}
        members = [i for i in range(len(found.answers)) if i not in in_campaign]
        found.themes, found.silhouette = themes_of(found.answers, vectors[found.question], members)
    if decisions is not None:
        from aicop.consult.decisions import apply, load_decisions

        decided, lines = load_decisions(decisions)
        apply(decided, lines, decisions, {q.question: q for q in questions}, vectors)
    timings["themes"] = time.process_time() - clock
    return Analysis(
        questionnaire,
        len(responses),
        by_type,
        tallies,
        supports,
        questions,
        specified,
        decisions_file=str(decisions) if decisions else None,
        timings=timings,
        sentences_embedded=embedder.computed,
    )
