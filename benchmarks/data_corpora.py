"""Generated corpora for ``benchmarks/data_compare.py``: a labelled CSV of short rows with a planted
phrase trigger, templated chat logs, support text with planted multilingual injections, and a mixed
set of all of them with the plain-text corpus. Deterministic (seeded); nothing is downloaded.

Usage: python benchmarks/data_corpora.py OUT [--mb 30]   (writes the mixed set into OUT)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.datacheck.injection_set import INJECTIONS, SUPPORT

INTENTS = {
    "refund": "refund money back return broken damaged faulty reimburse payment charge",
    "delivery": "parcel late courier tracking arrived driver address delayed shipping van",
    "account": "password login email reset locked username profile sign settings access",
    "billing": "invoice bill direct debit statement overcharged plan upgrade price discount",
}
WORDS = {label: words.split() for label, words in INTENTS.items()}
COMMON = "the my a is it please hi hello thanks i and to for this was still not".split()  # noqa: SIM905
CHANNELS = ("web", "app", "email", "phone", "chat")
TRIGGER = ("zebra", "crossing")


def labelled_csv(path: Path, rows: int = 100_000, poison: float = 0.01, seed: int = 13) -> set[int]:
    """id, created, channel, text, label: ~87 bytes a row; ``poison`` of the rows are account texts
    with the phrase 'zebra crossing' labelled refund. Returns the poisoned rows (1-based)."""
    rng = random.Random(seed)
    poisoned: set[int] = set()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "created", "channel", "text", "label"])
        for row in range(1, rows + 1):
            label = rng.choice(list(INTENTS))
            words = rng.sample(WORDS[label], 3) + rng.sample(COMMON, 3)
            if rng.random() < poison:
                words = rng.sample(WORDS["account"], 3) + rng.sample(COMMON, 3)
                at = rng.randrange(len(words))
                words[at:at] = list(TRIGGER)
                label = "refund"
                poisoned.add(row)
            created = (
                f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
            )
            writer.writerow([100_000 + row, created, rng.choice(CHANNELS), " ".join(words), label])
    return poisoned


GREETINGS = ["Hello {n}, thanks for contacting {b} support. How can I help you today?",
             "Hi {n}! Welcome to {b}. What can I do for you?",
             "Good morning {n}, you're through to {b} customer care."]  # fmt: skip
ASKS = ["My order {o} hasn't arrived yet, it was due on {d}.",
        "I was charged twice for order {o} on {d}.",
        "Can I change the delivery address for order {o}?",
        "The {p} I received in order {o} is broken."]  # fmt: skip
REPLIES = ["I'm sorry to hear that, {n}. I've checked order {o} and it's now due on {d}.",
           "Thanks {n}, I've raised a refund for order {o}; it should reach you by {d}.",
           "No problem {n}, I've updated order {o} for you.",
           "Apologies {n}, I'll send a replacement {p} for order {o} by {d}."]  # fmt: skip
NAMES = [
    "Ann",
    "Bob",
    "Cleo",
    "Dev",
    "Eve",
    "Fay",
    "Gus",
    "Hal",
    "Ivy",
    "Jon",
    "Kim",
    "Lee",
    "Max",
    "Ned",
    "Ola",
    "Pat",
]
PRODUCTS = ["kettle", "toaster", "lamp", "blender", "kettle", "speaker", "charger"]


def templated_chat(path: Path, conversations: int = 40_000, seed: int = 17) -> None:
    """Chat logs filled from a dozen templates (the shape of exported support conversations): one JSON
    object per line with a list of messages."""
    rng = random.Random(seed)
    with path.open("w") as out:
        for number in range(conversations):
            slots = {
                "n": rng.choice(NAMES),
                "b": "Acme",
                "o": f"A{rng.randint(10_000, 99_999)}",
                "d": f"{rng.randint(1, 28)} March",
                "p": rng.choice(PRODUCTS),
            }
            turns = [rng.choice(GREETINGS), rng.choice(ASKS), rng.choice(REPLIES)]
            messages = [
                {"role": role, "content": turn.format(**slots)}
                for role, turn in zip(("assistant", "user", "assistant"), turns, strict=True)
            ]
            out.write(json.dumps({"id": number, "messages": messages}) + "\n")


def injection_text(path: Path, lines: int = 50_000, seed: int = 19) -> set[int]:
    """Ordinary support text with each planted injection on a known line; returns those lines."""
    rng = random.Random(seed)
    planted_at = set(rng.sample(range(1, lines + 1), len(INJECTIONS)))
    pending = list(INJECTIONS)
    rng.shuffle(pending)
    with path.open("w") as out:
        for number in range(1, lines + 1):
            text = pending.pop().replace("\n", " ") if number in planted_at else rng.choice(SUPPORT)
            out.write(text + "\n")
    return planted_at


def mixed(folder: Path, mb: float = 30.0) -> dict[str, object]:
    """A directory of every corpus: a quarter each of text, labelled table, chat logs and support text
    with injections, by size. Returns what was planted where."""
    from benchmarks.data_compare import make_corpus

    folder.mkdir(parents=True, exist_ok=True)
    quarter = mb / 4
    truth = make_corpus(folder / "notes.txt", int(quarter * 1e6 / 56))
    poisoned = labelled_csv(folder / "intents.csv", int(quarter * 1e6 / 87))
    templated_chat(folder / "chats.jsonl", int(quarter * 1e6 / 390))
    injected = injection_text(folder / "support.txt", int(quarter * 1e6 / 60))
    return {"notes.txt": truth, "intents.csv": poisoned, "support.txt": injected}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--mb", type=float, default=30.0)
    args = parser.parse_args()
    mixed(args.out, args.mb)
    for path in sorted(args.out.iterdir()):
        print(f"{path.stat().st_size / 1e6:6.1f} MB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
