"""Draft an answer with the hosted LLM (an OpenAI-compatible API)."""

import os
from pathlib import Path

from jinja2 import Template
from openai import OpenAI

PROMPTS = Path(__file__).parents[2] / "prompts"
SYSTEM = (PROMPTS / "system.md").read_text()
ANSWER = Template((PROMPTS / "answer.j2").read_text())
client = OpenAI(base_url=os.environ["LLM_BASE_URL"], api_key=os.environ["LLM_API_KEY"])


def draft_answer(message: str, intent: str, passages: list[str]) -> str:
    prompt = ANSWER.render(message=message, intent=intent, passages=[{"text": p} for p in passages])
    reply = client.chat.completions.create(
        model="gpt-4o-mini-2024-07-18",
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
        max_tokens=400,
    )
    return reply.choices[0].message.content or ""
