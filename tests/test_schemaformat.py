"""aicop.schemaformat: RFC 3987 as one regular expression, judged against rfc3987-syntax's grammar
(the check jsonschema would use), and jsonschema imported without compiling that grammar."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicop.bom.cyclonedx import BomError, validate
from aicop.schemaformat import is_iri, is_iri_reference, jsonschema_module
from tests.bom.test_cyclonedx import EXAMPLE, example_bom

# Pieces of IRIs and of near-misses: every delimiter, each kind of character the grammar names or
# leaves out (space, backslash, '|', a private-use and a non-BMP character, a surrogate), octets
# either side of 255, hex groups for IPv6 and a bad percent-escape.
PIECES = [
    "http", "x", "a1", "ftp", "1", "25", "255", "256", "0", ":", "//", "/", "?", "#", "@", "[", "]",
    "::", "v1.", "V1.", "ff", "ab12", "12345", ".", "-", "_", "~", "+", "!", "$", "&", "'", "(", ")",
    "*", ",", ";", "=", "%41", "%4", "%zz", "%", "é", "ü", "\u00a0", "\ue000", "\uf8ff", "\ufdd0",
    "\U0001f600", "\ud800", " ", "\\", "|", "{", "}", "<", '"', "1.2.3.4", "::1", "[::]", "[1::]",
]  # fmt: skip

SAMPLES = [
    "http://example.com/a?b#c", "urn:isbn:0451450523", "mailto:ops@example.org", "//host/path",
    "/absolute", "relative/path", "", "openai:gpt-4o-mini-2024-07-18", "http://[1:2:3:4:5:6:7::]/",
    "http://[::1]/", "http://[v7.fe:80]/", "http://[V7.fe]/", "http://[1:2:3:4:5:6:1.2.3.4]/", "x:?\ue000",
    "x:#\ue000", "http://u:p@h:8080/p", "http://h:port/", "http://256.1.1.1/", "http://ex ample.com",
    "1abc:x", "./this:that", "this:that", "%41:b", "a@b:c", "http://a/b\\c", "http://é.fr/ü?ä#ö",
]  # fmt: skip


@pytest.fixture(scope="module")
def oracle() -> Any:
    """rfc3987-syntax, the grammar jsonschema checks IRIs with when it is installed (aicop's
    dependency on cyclonedx-python-lib[json-validation] installs it)."""
    import rfc3987_syntax

    return rfc3987_syntax


@pytest.mark.parametrize("value", SAMPLES)
def test_known_iris_and_near_misses_are_judged_as_rfc3987_syntax_judges_them(oracle: Any, value: str) -> None:
    assert is_iri(value) is oracle.is_valid_syntax("iri", value)
    assert is_iri_reference(value) is oracle.is_valid_syntax("iri_reference", value)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_generated_iris_are_judged_as_rfc3987_syntax_judges_them(oracle: Any, pieces: list[str]) -> None:
    value = "".join(pieces)
    assert is_iri(value) is oracle.is_valid_syntax("iri", value), value
    assert is_iri_reference(value) is oracle.is_valid_syntax("iri_reference", value), value


def test_a_long_near_miss_is_refused_in_linear_time() -> None:
    import time

    value = "http://" + "a:" * 20_000 + " "
    started = time.process_time()
    assert not is_iri_reference(value)
    assert time.process_time() - started < 1.0


def test_jsonschema_checks_iris_with_these_and_non_strings_are_not_its_business() -> None:
    jsonschema = jsonschema_module()
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    assert checker.conforms("http://example.com/", "iri") and not checker.conforms("a b", "iri-reference")
    assert checker.conforms(42, "iri-reference") and jsonschema.FormatChecker().conforms(3, "iri")


def test_a_bom_with_an_url_that_is_not_an_iri_reference_does_not_validate() -> None:
    document = example_bom()
    model = next(c for c in document["components"] if c.get("externalReferences"))
    model["externalReferences"][0]["url"] = "http://exa mple.com/model"
    with pytest.raises(BomError, match="does not validate"):
        validate(document)


def test_validating_a_bom_does_not_compile_the_rfc3987_grammar() -> None:
    """In a fresh interpreter, as on every 'aicop bom': a valid BOM validates and a bad URL is refused,
    without rfc3987-syntax (and the parser library it builds its grammar with) ever loaded."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from aicop.bom.cyclonedx import BomError, build, validate\n"
        "from aicop.system.yamlsource import load_manifest\n"
        f"root = Path({str(EXAMPLE)!r})\n"
        "document = build(root, load_manifest(root / 'aicop.yaml', root))\n"
        "validate(document)\n"
        "model = next(c for c in document['components'] if c.get('externalReferences'))\n"
        "model['externalReferences'][0]['url'] = 'http://exa mple.com/'\n"
        "try:\n"
        "    validate(document)\n"
        "except BomError:\n"
        "    print('refused', 'rfc3987_syntax' in sys.modules, 'lark' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["refused", "False", "False"]
