"""Retrieve help-centre passages by cosine similarity of sentence embeddings."""

from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

EMBEDDER = SentenceTransformer(
    "sentence-transformers/all-MiniLM-L6-v2", revision="c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
)
CORPUS = [p.read_text() for p in sorted((Path(__file__).parents[2] / "data/kb").glob("*.md"))]
VECTORS = EMBEDDER.encode(CORPUS, normalize_embeddings=True)


def retrieve(question: str, k: int = 2) -> list[str]:
    query = EMBEDDER.encode([question], normalize_embeddings=True)[0]
    ranked = np.argsort(VECTORS @ query)[::-1][:k]
    return [CORPUS[i] for i in ranked]
