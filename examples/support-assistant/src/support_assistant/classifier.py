"""Route a message to an intent with the in-house linear probe, loaded from safetensors."""

from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

LABELS = ["returns", "delivery", "warranty", "other"]
_WEIGHTS = load_file(Path(__file__).parents[2] / "models/intent-classifier/model.safetensors")["classifier.weight"]


def classify(embedding: np.ndarray) -> tuple[str, float]:
    scores = _WEIGHTS @ embedding
    probabilities = np.exp(scores - scores.max())
    probabilities /= probabilities.sum()
    best = int(probabilities.argmax())
    return LABELS[best], float(probabilities[best])
