"""Names of people and places, by Presidio over a spaCy pipeline the user has installed or saved locally.

Optional, with the ``ner`` extra (presidio-analyzer, which brings spaCy). Patterns cannot find names;
a statistical model can, at a price: tens of kilobytes a second instead of tens of megabytes, so the
tier runs only when asked (``aicop data check --ner MODEL``). MODEL is a spaCy package name
(``en_core_web_lg``) or the path of a saved pipeline; nothing is downloaded — Presidio's default
engine would try to fetch a model from the internet, so aicop builds the engine from the named model
itself and fails clearly when it is not there.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aicop.datacheck.detectors import Match
from aicop.errors import InputError

INSTALL = "install aicop[ner] (presidio-analyzer with spaCy) and a spaCy model"
KINDS = {"PERSON": "person", "LOCATION": "location"}
MIN_SCORE = 0.5


@dataclass
class Names:
    """A loaded Presidio analyzer for PERSON and LOCATION entities."""

    model: str
    engine: Any

    @classmethod
    def load(cls, model: str) -> Names:
        if importlib.util.find_spec("presidio_analyzer") is None or importlib.util.find_spec("spacy") is None:
            raise InputError(f"names and places cannot be checked: {INSTALL}")
        import spacy.util
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        if not spacy.util.is_package(model) and not (Path(model) / "config.cfg").is_file():
            raise InputError(
                f"no spaCy pipeline named {model!r} is installed, and it is not the folder of a saved one "
                "(aicop downloads nothing: install the model's package or give the path of a saved pipeline)"
            )
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        configuration = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
        try:
            nlp = NlpEngineProvider(nlp_configuration=configuration).create_engine()
            engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
        except (OSError, ValueError) as err:
            raise InputError(f"the spaCy pipeline {model!r} does not load: {err}") from err
        return cls(model, engine)

    def find(self, text: str) -> list[Match]:
        """Names and places in ``text``, in order of position."""
        results = self.engine.analyze(text=text, language="en", entities=list(KINDS))
        found = [
            Match(KINDS[r.entity_type], r.start, r.end, text[r.start : r.end])
            for r in results
            if r.score >= MIN_SCORE and r.entity_type in KINDS
        ]
        return sorted(found, key=lambda m: m.start)
