"""Principle 10: communication and processes associated with end-users."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Finding
from aicop.checks._common import coverage_finding, judge_documents
from aicop.docs.markdown import Document, Topic, topic
from aicop.system.manifest import DocumentKind

PROVISION_TOPICS = {
    "10.1": [
        topic(
            "the user's security responsibilities",
            r"responsib|your obligations|what you (must|should)|you are",
        ),
        topic(
            "how user data is used, accessed or stored",
            r"data|personal information|privacy|retention|stored|retrain",
        ),
    ],
    "10.3": [
        topic(
            "guidance on secure use and configuration",
            r"secur(e|ely)|safe(ly)?|how to use|configur|integrat|best practice|getting started",
        )
    ],
    "10.3.1": [
        topic(
            "appropriate use, limitations and failure modes",
            r"limitation|failure mode|known issue|appropriate use|prohibited|not (suitable|intended)",
        )
    ],
    "10.3.2": [
        topic(
            "AI functionality and how to opt out",
            r"opt(ing|s)?[- ]?out|turn(ing)? off|switch(ing)? off|disabl",
        )
    ],
}


@check(
    "users.notice",
    provisions=list(PROVISION_TOPICS),
    title="An end-user notice covers responsibilities, data use, secure use, limitations and the opt-out",
    remediation="Publish docs/user-notice.md telling end-users what they are responsible for, how their data "
    "is used, stored and reviewed, how to use the system securely, its limitations and failure modes, and "
    "how to opt out of AI functionality.",
)
def user_notice(ctx: Context) -> Iterator[Finding]:
    yield from _judge_notice(ctx, PROVISION_TOPICS)


def _judge_notice(ctx: Context, provision_topics: dict[str, list[Topic]]) -> Iterator[Finding]:
    """The end-user notice judged for each provision's topics (two checks read the same notice)."""

    def judge(path: str, doc: Document) -> Iterator[Finding]:
        for pid, topics in provision_topics.items():
            yield coverage_finding(pid, "the user notice", path, doc, topics)

    yield from judge_documents(
        ctx, DocumentKind.USER_NOTICE, tuple(provision_topics), "end-user notice", judge
    )


# 4.4, 4.5 and 10.2 are judged on the same end-user notice: what users must not do with the system, what
# it gets wrong, and the help they get when an incident affects them.
NOTICE_RISK_TOPICS = {
    "4.4": [
        topic(
            "prohibited uses",
            r"prohibit|must not|do not use|don't use|not (permitted|allowed)|acceptable use|forbidden|misuse",
        )
    ],
    "4.5": [
        topic("known limitations", r"limitation|can be wrong|known issue|what it cannot|accuracy|overreli"),
        topic("failure modes", r"failure mode|when it fails|fail(s|ure)?|mistakes|errors|hallucinat"),
    ],
    "10.2": [
        topic(
            "support after a security incident",
            r"incident|breach|if something goes wrong|when things go wrong|compromise|support after",
        )
    ],
}


@check(
    "users.notice-risks",
    provisions=list(NOTICE_RISK_TOPICS),
    title="The end-user notice states prohibited uses, known limitations and failure modes, and the support "
    "users get after a security incident",
    remediation="Add to docs/user-notice.md (or 'aicop docs draft user-notice') a section on prohibited "
    "uses, one on known limitations and failure modes, and one on how affected users are supported and told "
    "after a security incident.",
)
def user_notice_risks(ctx: Context) -> Iterator[Finding]:
    yield from _judge_notice(ctx, NOTICE_RISK_TOPICS)
