"""The public chat endpoint."""

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from slowapi import Limiter
from slowapi.util import get_remote_address

from support_assistant.classifier import classify
from support_assistant.llm import draft_answer
from support_assistant.retrieval import EMBEDDER, retrieve

app = FastAPI(title="Example Shop support assistant")
limiter = Limiter(key_func=get_remote_address)
app.state.limiter = limiter


class ChatRequest(BaseModel):
    message: str = Field(max_length=2000)


@app.post("/api/chat")
@limiter.limit("20/minute")
def chat(request: Request, body: ChatRequest) -> dict[str, str]:
    intent, confidence = classify(EMBEDDER.encode([body.message])[0][:16])
    if intent == "other" or confidence < 0.7:
        return {"answer": "Let me put you through to one of our agents.", "handoff": "true"}
    return {"answer": draft_answer(body.message, intent, retrieve(body.message))}
