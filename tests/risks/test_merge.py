from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from aicop.errors import InputError
from aicop.risks.merge import merge, new_register, new_suggestions
from aicop.risks.model import Register
from aicop.risks.suggest import Suggestion
from tests.risks.helpers import REGISTER

TODAY = dt.date(2026, 11, 27)
NEW = Suggestion("denial-of-wallet", "Floods", ["AML.T0034"], ["LLM10:2025"], "high", "medium", ["a reason"])
HELD = Suggestion("other-id", "Same technique", ["AML.T0056"], [], "low", "low", ["x"])


def test_only_what_the_register_lacks_is_new() -> None:
    reg = Register.model_validate(yaml.safe_load(REGISTER))
    assert new_suggestions(reg, [NEW, HELD]) == [NEW]  # HELD cites AML.T0056, already in prompt-theft


def test_merge_appends_and_keeps_the_users_text() -> None:
    text = "# our register, hand-written\n" + REGISTER + "# trailing note\n"
    merged = merge(text, [NEW], TODAY, "risks.yaml")
    assert merged.startswith(text.split("# trailing note")[0])
    assert "# trailing note" in merged
    data = yaml.safe_load(merged)
    assert [r["id"] for r in data["risks"]] == ["injection", "prompt-theft", "denial-of-wallet"]
    assert data["risks"][2]["owner"] == "TODO"
    assert "# suggested by aicop 2026-11-27: a reason" in merged


def test_merge_into_a_list_followed_by_other_keys() -> None:
    text = REGISTER.replace("version: 1\n", "") + "version: 1\n"
    data = yaml.safe_load(merge(text, [NEW], TODAY, "risks.yaml"))
    assert data["version"] == 1 and data["risks"][-1]["id"] == "denial-of-wallet"


def test_merge_into_an_empty_or_missing_list() -> None:
    head = REGISTER.split("risks:")[0]
    for text in (head + "risks: []\n", head):
        data = yaml.safe_load(merge(text, [NEW], TODAY, "risks.yaml"))
        assert [r["id"] for r in data["risks"]] == ["denial-of-wallet"]


def test_a_flow_list_is_refused_not_rewritten() -> None:
    head = REGISTER.split("risks:")[0]
    with pytest.raises(InputError, match="flow"):
        merge(head + "risks: [{id: a}]\n", [NEW], TODAY, "risks.yaml")


def test_a_new_register_marks_what_aicop_cannot_know(tmp_path: Path) -> None:
    text = new_register("my-system", [NEW], TODAY)
    data = yaml.safe_load(text)
    Register.model_validate(data)
    assert data["owner"] == "TODO" and data["system"] == "my-system"
    assert data["risks"][0]["review"] == TODAY + dt.timedelta(days=90)
