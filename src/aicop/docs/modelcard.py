"""What a model card must cover: the security-relevant fields provision 8.1.1 lists, and the design and
maintenance plan 8.1 asks for. Shared by the model-card check and the ML-BOM's modelCard."""

from __future__ import annotations

from aicop.docs.markdown import topic

# The security-relevant fields 8.1.1 lists, in its order.
SECURITY_FIELDS = [
    topic("sources of training data", r"training data|data sources?|dataset|fine[- ]tun|feedback data"),
    topic(
        "intended scope and limitations", r"intended (use|scope|purpose)|limitation|out[- ]of[- ]scope|scope"
    ),
    topic("guardrails", r"guardrail|safeguard|safety (measures|controls)|content filter"),
    topic("cryptographic hashes or signatures", r"hash|sha-?256|signature|digest|checksum"),
    topic("retention time", r"retention|retain|kept for|deleted after"),
    topic(
        "suggested review frequency",
        r"review (frequency|cadence|schedule|cycle)|reviewed every|review interval",
    ),
    topic("potential failure modes", r"failure mode|known failure|fail(s|ure)? (when|on)|known issues"),
]
DESIGN_AND_MAINTENANCE = [
    topic(
        "model design",
        r"model (details|design|architecture|description|overview)|architecture|design|training",
    ),
    topic(
        "post-deployment maintenance plan",
        r"maintenance|post[- ]deployment|monitoring|update|retrain|review|decommission",
    ),
]
