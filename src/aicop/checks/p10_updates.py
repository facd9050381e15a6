"""End-users told about updates, as the final Code (January 2025) asks: in advance of model updates
(7.4, where the draft asked for an opt-out) and about security updates (10.2.2). Both are read from the
end-user notice. They report in the final Code's numbering; the draft never runs them.
"""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Finding
from aicop.checks._common import coverage_finding, judge_documents
from aicop.docs.markdown import Document, topic
from aicop.system.manifest import DocumentKind

MODEL_UPDATES = [topic("model updates", r"model (update|change|version)|updat|new version|changes to")]
SECURITY_UPDATES = [topic("security updates", r"security update|patch|vulnerab|security fix|security notice")]


@check(
    "users.update-notice",
    provisions=["7.4", "10.2.2"],
    title="The end-user notice says how users hear of model updates and of security updates",
    remediation="Add to the end-user notice how and how far in advance users are told of model updates, "
    "and how they are told of security updates.",
)
def update_notice(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield coverage_finding("7.4", "the end-user notice", path, doc, MODEL_UPDATES)
        yield coverage_finding("10.2.2", "the end-user notice", path, doc, SECURITY_UPDATES)

    yield from judge_documents(ctx, DocumentKind.USER_NOTICE, ("7.4", "10.2.2"), "end-user notice", judge)
