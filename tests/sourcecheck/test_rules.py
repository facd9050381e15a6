"""Each rule finds what it should in code written as people write it, and stays quiet on safe code."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from aicop.sourcecheck import CodeReport, check_tree
from aicop.sourcecheck.rules import Level
from aicop.system.manifest import ExternalAPI, Manifest, SystemInfo
from tests.conftest import TODAY


def run(
    tmp_path: Path,
    source: str,
    name: str = "app.py",
    manifest: Manifest | None = None,
    extra: dict[str, str] | None = None,
) -> CodeReport:
    files = {name: textwrap.dedent(source), **(extra or {})}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return check_tree(tmp_path, sorted(files), manifest=manifest, today=TODAY)


def found(report: CodeReport) -> list[tuple[str, int, str]]:
    return sorted((f.rule, f.line, f.level.label) for f in report.active)


SHA = "0123456789abcdef0123456789abcdef01234567"
CASES = [
    # (source, expected (rule, line, level) list)
    ("import torch\nm = torch.load('w.pt')\n", [("AIC101", 2, "medium")]),
    ("import torch\nm = torch.load('w.pt', weights_only=True)\n", []),
    ("import torch as T\nm = T.load(path, weights_only=False)\n", [("AIC101", 2, "high")]),
    (
        "import torch\ndef load(p, weights_only=True, **kw):\n"
        "    a = torch.load(p, weights_only=weights_only)\n    return torch.load(p, **kw)\n",
        [],
    ),
    ("import pickle\ncopy = pickle.loads(pickle.dumps(obj))\n", []),
    ('"""Talks to https://api.openai.com for you."""\nx = 1\n', []),
    (
        "from torch import load\nfrom huggingface_hub import hf_hub_download\n"
        f"p = hf_hub_download('org/m', 'w.pt', revision='{SHA}')\nm = load(p)\n",
        [("AIC101", 4, "critical")],
    ),
    ("import pickle, requests\nobj = pickle.loads(requests.get(URL).content)\n", [("AIC102", 2, "critical")]),
    ("import dill\nwith open('m.pkl', 'rb') as f:\n    m = dill.load(f)\n", [("AIC102", 3, "medium")]),
    ("import joblib\nm = joblib.load(path)\n", [("AIC102", 2, "high")]),
    ("import pandas as pd\ndf = pd.read_pickle('x.pkl')\n", [("AIC102", 2, "medium")]),
    (
        "import numpy as np\na = np.load('a.npy', allow_pickle=True)\nb = np.load('b.npy')\n",
        [("AIC103", 2, "medium")],
    ),
    (
        "import yaml\nc = yaml.load(open('c.yaml'))\nd = yaml.load(s, Loader=yaml.FullLoader)\n"
        "e = yaml.load(s, Loader=yaml.SafeLoader)\nf = yaml.safe_load(s)\n",
        [("AIC104", 2, "medium"), ("AIC104", 3, "high")],
    ),
    (
        "from tensorflow import keras\nm = keras.models.load_model('m.keras', safe_mode=False)\n",
        [("AIC105", 2, "high")],
    ),
    (
        "from langchain_community.vectorstores import FAISS\n"
        "db = FAISS.load_local('idx', emb, allow_dangerous_deserialization=True)\n",
        [("AIC106", 2, "high")],
    ),
    (
        "from transformers import AutoModel\n"
        "m = AutoModel.from_pretrained('org/m', trust_remote_code=True, "
        "revision='0123456789abcdef0123456789abcdef01234567')\n",
        [("AIC201", 2, "high")],
    ),
    ("import torch\nm = torch.hub.load('pytorch/vision', 'resnet18')\n", [("AIC203", 2, "high")]),
    (
        "from openai import OpenAI\nc = OpenAI()\nr = c.chat.completions.create(model='m', messages=[])\n"
        "exec(r.choices[0].message.content)\n",
        [("AIC202", 4, "critical"), ("AIC501", 2, "medium")],
    ),
    ("x = eval(user_expression)\nmodel.eval()\nrun = eval('1 + 1')\n", [("AIC202", 1, "medium")]),
    (
        "import subprocess\nout = llm.invoke(q)\nsubprocess.run(out, shell=True)\n",
        [("AIC202", 3, "critical")],
    ),
    (
        "from transformers import AutoModel, pipeline\nm = AutoModel.from_pretrained('bert-base-uncased')\n"
        "p = pipeline('text-classification', model='org/m', revision='v1.0')\n"
        "l = AutoModel.from_pretrained('./checkpoints/local')\n",
        [("AIC301", 2, "medium"), ("AIC301", 3, "medium")],
    ),
    (
        f"from datasets import load_dataset\nd = load_dataset('org/data', revision='{SHA}')\n",
        [],
    ),
    # Field trial: a Redis client's and scikit-learn's pipelines are not transformers model downloads.
    (
        "import redis\nr = redis.Redis()\npipe = r.pipeline()\npipe.execute()\n"
        "from sklearn.pipeline import Pipeline, make_pipeline\np = make_pipeline(a, b)\n",
        [],
    ),
    ("import transformers\np = transformers.pipeline('summarization')\n", [("AIC301", 2, "medium")]),
    ("p = pipeline('summarization')\n", [("AIC301", 1, "medium")]),  # a notebook cell after the import
    # Field trial (alpaca-lora, qlora): a packaged builder reads local files, it downloads nothing.
    ("from datasets import load_dataset\nd = load_dataset('json', data_files='train.json')\n", []),
    # Field trial (nanoGPT): exec of a file of the repository itself is not input being run.
    ("exec(open('configurator.py').read())\nexec(open(sys.argv[1]).read())\n", [("AIC202", 2, "medium")]),
    (
        "from langchain_community.tools import ShellTool\nfrom langchain.agents import load_tools\n"
        "tools = [ShellTool()] + load_tools(['wikipedia', 'terminal'])\n",
        [("AIC601", 3, "high"), ("AIC601", 3, "high")],
    ),
    (
        "from langchain_community.agent_toolkits import FileManagementToolkit\n"
        "ro = FileManagementToolkit(root_dir='d', selected_tools=['read_file', 'list_directory'])\n"
        "rw = FileManagementToolkit(root_dir='d')\n",
        [("AIC601", 3, "high")],
    ),
    (
        "from langchain_experimental.agents import create_pandas_dataframe_agent\n"
        "a = create_pandas_dataframe_agent(llm, df, allow_dangerous_code=True)\n",
        [("AIC601", 2, "high")],
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_rule(tmp_path: Path, source: str, expected: list[tuple[str, int, str]]) -> None:
    assert found(run(tmp_path, source)) == sorted(expected)


ROUTES = """\
from fastapi import FastAPI
from slowapi import Limiter
from openai import OpenAI

app = FastAPI()
limiter = Limiter(key_func=lambda r: "k")
client = OpenAI()


def answer(q):
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])


@app.post("/open")
def open_route(q: str):
    return answer(q)


@app.post("/limited")
@limiter.limit("5/minute")
def limited_route(request, q: str):
    return answer(q)


@app.get("/health")
def health():
    return {"ok": True}
"""


def test_model_routes_need_a_rate_limit(tmp_path: Path) -> None:
    report = run(tmp_path, ROUTES)
    routes = [(f.rule, f.line) for f in report.active if f.rule == "AIC701"]
    assert routes == [("AIC701", 15)]
    assert [f.line for f in report.limited_routes] == [21]


def test_routes_reach_models_through_other_modules(tmp_path: Path) -> None:
    helper = (
        "from openai import OpenAI\nclient = OpenAI()\n\ndef draft(q):\n"
        "    return client.chat.completions.create(messages=q)\n"
    )
    app = (
        "from flask import Flask\nfrom shop.llm import draft\n\napp = Flask(__name__)\n\n"
        "@app.route('/chat')\ndef chat():\n    return draft('hi')\n"
    )
    report = run(tmp_path, app, "src/shop/app.py", extra={"src/shop/llm.py": helper})
    assert ("AIC701", 7) in [(f.rule, f.line) for f in report.active]


def test_a_global_limiter_covers_every_route(tmp_path: Path) -> None:
    source = ROUTES.replace(
        'limiter = Limiter(key_func=lambda r: "k")',
        'limiter = Limiter(key_func=lambda r: "k", default_limits=["10/minute"])',
    )
    assert not [f for f in run(tmp_path, source).active if f.rule == "AIC701"]


def _manifest(controls: list[str]) -> Manifest:
    return Manifest(
        system=SystemInfo(name="s"),
        roles=["developer"],  # type: ignore[list-item]
        external_apis=[ExternalAPI(name="Azure OpenAI", provider="OpenAI", controls=controls)],
    )


def test_llm_services_are_checked_against_the_manifest(tmp_path: Path) -> None:
    source = (
        "from anthropic import Anthropic\nfrom openai import OpenAI\na = Anthropic()\no = OpenAI()\n"
        "u = 'https://api.mistral.ai/v1/chat/completions'\n"
    )
    report = run(tmp_path, source, manifest=_manifest(["redaction"]))
    undeclared = sorted(f.message.split(" (")[0] for f in report.active if f.rule == "AIC501")
    assert undeclared == ["sends data to Anthropic", "sends data to Mistral AI"]
    assert ("OpenAI", "app.py", 4, True, True) in report.providers


def test_secrets(tmp_path: Path) -> None:
    source = (
        'OPENAI_KEY = "sk-proj-' + "a1B2c3D4" * 6 + '"\nHF = "hf_' + "abcdEFGH" * 4 + 'xy"\n'
        'password = "hunter2hunter2"\nnothing = "just a sentence with words"\n'
    )
    lines = {f.line for f in run(tmp_path, source).active if f.rule == "AIC401"}
    assert lines == {1, 2, 3}


def test_secrets_are_placed_at_their_line_and_column_in_a_searched_whole_text(tmp_path: Path) -> None:
    key = "sk-ant-api03-" + "Ab1_" * 21
    source = f'"""docs"""\n\nx = 1; y = "{key}"; z = "{key}"\nclient = None\n'
    report = run(tmp_path, source)
    assert [(f.line, f.column, f.message) for f in report.active] == [
        (3, 13, "Anthropic API key in the source")  # once per line and kind, at its first match
    ]


def test_a_registry_token_is_found_and_a_long_line_of_urls_is_not_backtracked_over(tmp_path: Path) -> None:
    urls = " ".join(f"https://example.org/{i}//path" for i in range(20_000))  # 700 KB, one line
    npmrc = f"//registry.npmjs.org/:_authToken=npm_{'a1B2c3D4' * 4}\n"
    report = run(tmp_path, "x = 1\n", extra={"dump.json": f'{{"u": "{urls}"}}\n', "config.txt": npmrc})
    assert [(f.path, f.line) for f in report.active] == [("config.txt", 1)]


def test_a_pattern_runs_only_where_a_literal_every_match_holds_is_present() -> None:
    import re

    from aicop.sourcecheck.secrets import _required

    assert _required(re.compile(r"\/\/.+\/:_authToken=\s*(npm_.+)")) == ("/:_authToken=",)
    assert _required(re.compile(r"\bsk-(?:proj|svcacct|admin)-x")) == ("proj", "svcacct", "admin")
    assert _required(re.compile(r"xox(?:a|b)-\d+", re.IGNORECASE)) == ("xox",)  # case-folded
    assert _required(re.compile(r"\d{8,10}:[0-9A-Za-z_-]{35}")) == ()  # no literal of 2: always run
    assert _required(re.compile(r"(?:abc|\d+)x")) == ()  # an alternative with no literal


def test_secrets_in_configuration_files(tmp_path: Path) -> None:
    config = "aws_access_key_id: AKIAIOSFODNN7EXAMPLF\n"
    report = run(tmp_path, "x = 1\n", extra={"deploy/settings.yaml": config})
    assert [(f.rule, f.path) for f in report.active] == [("AIC401", "deploy/settings.yaml")]


def test_suppressions(tmp_path: Path) -> None:
    source = (
        "import joblib\n"
        "a = joblib.load('a.joblib')  # aicop: ignore[AIC102] our own CI output, hash-checked\n"
        "# aicop: ignore[AIC102] reviewed in SEC-123\n"
        "b = joblib.load('b.joblib')\n"
        "c = joblib.load('c.joblib')  # aicop: ignore[AIC102]\n"
        "d = joblib.load('d.joblib')  # aicop: ignore[AIC102] until=2026-01-01 temporary\n"
    )
    report = run(tmp_path, source)
    assert {f.line: f.suppressed for f in report.suppressed} == {
        2: "our own CI output, hash-checked",
        4: "reviewed in SEC-123",
    }
    assert sorted((f.rule, f.line) for f in report.active) == [
        ("AIC102", 5),
        ("AIC102", 6),
        ("AIC901", 5),
        ("AIC901", 6),
    ]


def test_suppression_with_an_impossible_date_is_reported_not_a_crash(tmp_path: Path) -> None:
    source = "import joblib\nd = joblib.load('d.joblib')  # aicop: ignore[AIC102] until=2026-13-45 later\n"
    report = run(tmp_path, source)
    found = sorted((f.rule, f.line) for f in report.active)
    assert found == [("AIC102", 2), ("AIC901", 2)]
    assert "is not a date" in next(f.message for f in report.active if f.rule == "AIC901")


def test_notebooks(tmp_path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# EDA"]},
            {
                "cell_type": "code",
                "source": [
                    "%matplotlib inline\n",
                    "!pip install torch\n",
                    "import torch\n",
                    "m = torch.load(p, weights_only=False)",
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    report = run(tmp_path, json.dumps(notebook), "eda.ipynb")
    finding = report.active[0]
    assert (finding.rule, finding.cell, finding.line) == ("AIC101", 2, 4)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("old.py", "print 'hello'\n", "Python 2 syntax"),
        ("broken.py", "def f(:\n", "does not parse"),
        ("bin.py", "x = 1\0\0", "binary"),
        ("nb.ipynb", '{"cells": [', "not a readable notebook"),
    ],
)
def test_bad_input_is_skipped_with_a_reason(tmp_path: Path, name: str, content: str, reason: str) -> None:
    report = run(tmp_path, content, name)
    assert report.active == [] and reason in report.skipped[0][1]


def test_huge_generated_file_is_skipped(tmp_path: Path) -> None:
    report = run(tmp_path, "x = 1\n" * 500_000, "generated_pb2.py")
    assert "larger than" in report.skipped[0][1]


def test_levels_are_ordered() -> None:
    assert Level.CRITICAL > Level.HIGH > Level.MEDIUM > Level.LOW
    assert dt.date(2026, 1, 1) < TODAY


def test_a_notebook_raises_aic501_once_per_service_not_once_per_cell(tmp_path: Path) -> None:
    # Field trial (crewAI-examples): three cells naming gpt-4o-mini gave three identical findings.
    cells = [
        {"cell_type": "code", "source": ["from crewai import LLM\n", "a = LLM(model='gpt-4o-mini')\n"]},
        {"cell_type": "code", "source": ["b = LLM(model='gpt-4o-mini')\n"]},
    ]
    report = run(tmp_path, json.dumps({"cells": cells}), name="demo.ipynb")
    assert [(f.rule, f.cell) for f in report.active] == [("AIC501", 1)]
