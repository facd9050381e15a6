"""A small valid register that tests edit one field at a time."""

from __future__ import annotations

REGISTER = """\
version: 1
system: test-system
owner: Security lead
last_reviewed: 2026-11-20
risk_appetite: medium
controls:
  - id: rate-limit
    title: Requests per key are limited
    cost: low
  - id: guard
    title: Input guard on the chat route
    check: gateway.safeguards
    cost: medium
    depends_on: [rate-limit]
risks:
  - id: injection
    title: Users inject instructions
    atlas: [AML.T0051.000]
    owasp: [LLM01:2025]
    likelihood: high
    impact: medium
    controls: [guard]
    owner: Security lead
    treatment: mitigate
    residual: low
    review: 2027-02-01
  - id: prompt-theft
    title: The system prompt is extracted
    atlas: [AML.T0056]
    likelihood: high
    impact: low
    owner: Product owner
    treatment: accept
    acceptance:
      reason: The prompt holds no secrets at all.
      approver: Head of Product
    residual: medium
    review: 2027-05-01
"""
