"""The one detector of model providers and AI services: each way real code names a service, one service
once, local servers marked local, and tests kept apart from the product code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aicop.sourcecheck.services import (
    BY_NAME,
    HOSTED,
    LOCAL,
    Strength,
    matches_declaration,
    provider_of_url,
    summarise,
    uses_in_file,
)


def services_in(files: dict[str, str]) -> dict[str, tuple[str, bool]]:
    """{provider: (where, only in tests)} for providers the code talks to or is configured for."""
    uses = [u for rel, text in files.items() for u in uses_in_file(rel, textwrap.dedent(text))]
    return {
        s.provider.name: (s.provider.where, s.only_in_tests)
        for s in summarise([u for u in uses if u.strength >= Strength.CONFIG])
    }


CASES = [
    # (source, providers it talks to)
    ("from llama_index.llms import OpenAI\nllm = OpenAI(model='gpt-4')\n", {"OpenAI"}),  # legacy path
    ("from llama_index.llms.anthropic import Anthropic\nllm = Anthropic()\n", {"Anthropic"}),
    ("from llama_index.core.llms import ChatMessage\nm = ChatMessage(role='user', content='hi')\n", set()),
    ("from langchain.chat_models import ChatOpenAI\nllm = ChatOpenAI()\n", {"OpenAI"}),  # legacy
    (
        "from langchain_community.chat_models import ChatOllama\nllm = ChatOllama(model='llama3')\n",
        {"Ollama"},
    ),
    (
        "from langchain.chat_models import init_chat_model\n"
        "m = init_chat_model('anthropic:claude-3-5-sonnet')\n",
        {"Anthropic"},
    ),
    ("import litellm\nr = litellm.completion(model='groq/llama3-70b-8192', messages=[])\n", {"Groq"}),
    (
        "from litellm import completion\nr = completion(model=name, messages=[])\n",
        {"LiteLLM (provider chosen at run time)"},
    ),
    ("from crewai import LLM\nllm = LLM(model='gpt-4o')\n", {"OpenAI"}),  # a model-name prefix
    (
        "FAST_LLM = 'openai:gpt-4o-mini'\nSMART_LLM = 'google_genai:gemini-1.5-pro'\n",
        {"OpenAI", "Google Gemini API"},
    ),
    ("from openai import AzureOpenAI\nc = AzureOpenAI(azure_endpoint=e)\n", {"Azure OpenAI"}),
    (
        "from openai import OpenAI\nc = OpenAI(base_url='http://localhost:11434/v1', api_key='ollama')\n",
        {"Ollama"},
    ),
    (
        "from openai import OpenAI\nc = OpenAI(base_url='http://127.0.0.1:8000/v1')\n",
        {"Local OpenAI-compatible server"},
    ),
    (
        "from langchain_anthropic import ChatAnthropic\nimport anthropic\n"
        "a = ChatAnthropic()\nb = anthropic.Anthropic()\n",
        {"Anthropic"},
    ),
    ("import boto3\nrt = boto3.client('bedrock-runtime')\nother = boto3.client('s3')\n", {"AWS Bedrock"}),
    ("import os\nkey = os.environ['MISTRAL_API_KEY']\n", {"Mistral AI"}),
    ("URL = 'https://api.together.xyz/v1/chat/completions'\n", {"Together AI"}),
    ('_BASE_URL = "https://api.search.brave.com/res/v1"\n', {"Brave Search"}),  # field trial: private-gpt
    # Field trial (gpt-researcher): an OpenAI client pointed at another provider's API is that provider.
    (
        "from langchain_openai import ChatOpenAI\n"
        "a = ChatOpenAI(openai_api_base='https://dashscope.aliyuncs.com/compatible-mode/v1')\n"
        "b = ChatOpenAI(openai_api_base='https://api.avian.io/v1')\n"
        "c = ChatOpenAI(openai_api_base=os.environ['VLLM_OPENAI_API_BASE'])\n",
        {"Alibaba DashScope", "API at api.avian.io", "vLLM"},  # the variable only vLLM's settings use
    ),
    ("import requests\nr = requests.get(url='https://example.com/data.json')\n", set()),
    ('"""Calls https://api.openai.com/v1 in production."""\nx = 1\n', set()),  # a docstring is prose
    ("URL = 'https://myapi.openai.com.example.net/'\n", set()),  # a host inside a longer name
    # Hub repositories of organisations named like providers are models, not services.
    (
        "from transformers import CLIPModel, pipeline\n"
        "m = CLIPModel.from_pretrained('openai/clip-vit-base-patch32')\n"
        "p = pipeline('automatic-speech-recognition', model='openai/whisper-large-v3')\n",
        set(),
    ),
    (
        "from langchain_community.vectorstores import FAISS, Pinecone\ndb = FAISS.from_texts(t, e)\n",
        {"FAISS"},  # Pinecone is imported, never used
    ),
    (  # a web search API receives the user's queries too
        "from langchain_community.tools.tavily_search import TavilySearchResults\nt = TavilySearchResults()",
        {"Tavily"},
    ),
    ("import tiktoken\nenc = tiktoken.encoding_for_model('gpt-4')\n", set()),
    # Field trial (private-gpt): setting a key for a child process, and the SDK's helpers, call nothing.
    ("import os\nos.environ['ANTHROPIC_API_KEY'] = local_secret\n", set()),
    (
        "from llama_index.llms.openai.utils import is_function_calling_model, O1_MODELS\n"
        "ok = is_function_calling_model(m) and m in O1_MODELS\n"
        "import openai\ntry:\n    pass\nexcept openai.APIError:\n    pass\n",
        set(),
    ),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_providers_in_source(source: str, expected: set[str]) -> None:
    assert set(services_in({"app.py": source})) == expected


def test_local_servers_are_marked_local_and_hosted_services_hosted() -> None:
    found = services_in(
        {
            "app.py": "from langchain_ollama import ChatOllama\nfrom langchain_openai import ChatOpenAI\n"
            "a = ChatOllama()\nb = ChatOpenAI()\n"
        }
    )
    assert found == {"Ollama": (LOCAL, False), "OpenAI": (HOSTED, False)}


def test_tests_and_mocks_are_reported_apart_from_the_product_code() -> None:
    found = services_in(
        {
            "app/llm.py": "from openai import OpenAI\nc = OpenAI()\n",
            "tests/test_llm.py": "import anthropic\nimport openai\nanthropic.Anthropic()\nopenai.OpenAI()\n",
            "app/conftest.py": "import cohere\nc = cohere.Client()\n",
        }
    )
    assert found == {"OpenAI": (HOSTED, False), "Anthropic": (HOSTED, True), "Cohere": (HOSTED, True)}


def test_javascript_sdks_in_package_json() -> None:
    package = (
        '{"dependencies": {"@anthropic-ai/sdk": "^0.30", "react": "18"}, "devDependencies": {"openai": "4"}}'
    )
    assert set(services_in({"web/package.json": package})) == {"Anthropic", "OpenAI"}


def test_notebook_cells_are_read_without_their_magics() -> None:
    notebook = (
        '{"cells": [{"cell_type": "code", "source": ["%pip install groq\\n", "from groq import Groq\\n",'
        ' "c = Groq()"]}, {"cell_type": "markdown", "source": ["uses api.openai.com"]}]}'
    )
    assert set(services_in({"demo.ipynb": notebook})) == {"Groq"}


def test_the_first_use_is_the_evidence_and_the_import_is_not() -> None:
    uses = uses_in_file("app.py", "from openai import OpenAI\n\n\nclient = OpenAI()\n")
    (service,) = summarise(uses)
    assert (service.evidence.line, service.evidence.strength) == (4, Strength.USE)


@pytest.mark.parametrize(
    ("name", "provider", "url", "declares"),
    [
        ("OpenAI", None, None, True),
        ("openai", None, None, True),
        ("Azure OpenAI", None, None, False),  # a different service, not a spelling of OpenAI
        ("LLM", "OpenAI", None, True),
        ("chat", None, "https://api.openai.com/v1", True),
        ("chat", None, "https://api.anthropic.com", False),
        ("chat", None, "not a url", False),
    ],
)
def test_a_declaration_names_a_provider(
    name: str, provider: str | None, url: str | None, declares: bool
) -> None:
    assert matches_declaration(BY_NAME["OpenAI"], name, provider, url) is declares


def test_urls() -> None:
    assert provider_of_url("https://my-res.openai.azure.com/openai/deployments/x") is BY_NAME["Azure OpenAI"]
    assert provider_of_url("https://bedrock-runtime.eu-west-2.amazonaws.com") is BY_NAME["AWS Bedrock"]
    assert provider_of_url("http://localhost:8080/health") is None


def test_code_lists_services_used_only_in_tests_apart(tmp_path: Path) -> None:
    from aicop.sourcecheck import check_tree
    from aicop.sourcecheck.output import render_text

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_llm.py").write_text("import anthropic\nanthropic.Anthropic()\n")
    (tmp_path / "app.py").write_text("import openai\nopenai.OpenAI()\n")
    report = check_tree(tmp_path, ["app.py", "tests/test_llm.py"])
    assert [(f.rule, f.path) for f in report.active] == [("AIC501", "app.py")]
    assert "used only in tests and mocks (not raised): Anthropic (tests/test_llm.py:2)" in render_text(report)


def evidence_of(files: dict[str, str]) -> dict[str, str]:
    """{provider: how the first product evidence names it}."""
    uses = [u for rel, text in files.items() for u in uses_in_file(rel, textwrap.dedent(text))]
    return {s.provider.name: s.evidence.how for s in summarise(uses) if not s.only_in_tests}


def test_a_base_url_read_from_a_provider_specific_environment_variable_is_that_provider() -> None:
    source = """\
        import os
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(api_key=os.environ["VLLM_API_KEY"], openai_api_base=os.environ["VLLM_API_BASE"])
        other = ChatOpenAI(base_url=os.getenv("MY_GATEWAY_URL"))
        """
    found = evidence_of({"app/llm.py": source})
    assert found["vLLM"] == "calls langchain_openai.ChatOpenAI with its base URL from $VLLM_API_BASE"
    assert "OpenAI" in found  # a base URL from a variable no provider owns does not redirect the client


def test_an_environment_variable_only_one_provider_uses_is_evidence_of_it() -> None:
    found = services_in({"app/config.py": "import os\nhost = os.environ.get('OLLAMA_API_HOST')\n"})
    assert found == {"Ollama": (LOCAL, False)}
    assert services_in({"app/config.py": "import os\nx = os.environ.get('VLLMX')\n"}) == {}


def test_an_enumeration_of_back_ends_names_each_one_chosen_at_run_time() -> None:
    source = """\
        from enum import StrEnum
        class Backend(StrEnum):
            OLLAMA = "ollama"
            VLLM = "vllm"
            OTHER = "unknown"
        class Colour(StrEnum):
            RED = "red"
            OLLAMA = "ollama"
        """
    found = evidence_of({"app/models.py": source})
    assert found == {
        "Ollama": "a back-end of enum Backend (chosen at run time)",
        "vLLM": "a back-end of enum Backend (chosen at run time)",
    }
    one_key = "from enum import Enum\nclass Mode(Enum):\n    OLLAMA = 'ollama'\n    FAST = 'fast'\n"
    assert evidence_of({"app/mode.py": one_key}) == {}  # one provider key alone may be a coincidence


def test_a_class_that_wraps_a_local_pipeline_or_a_hosted_endpoint_is_either() -> None:
    source = "from langchain_huggingface import ChatHuggingFace\nllm = ChatHuggingFace(llm=backend)\n"
    name = "Hugging Face chat model (local pipeline or Inference endpoint)"
    assert services_in({"app/llm.py": source}) == {name: ("self-hosted or cloud", False)}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("settings.yaml", "ollama:\n  api_base: http://localhost:11434\n  llm_model: llama3\n", {"Ollama"}),
        ("settings-local.yaml", "llm:\n  api_base: ${PGPT_API:http://localhost:11434}\n", {"Ollama"}),
        ("config.toml", "[vllm]\nmodel = 'mistral'\n", {"vLLM"}),
        (".env.example", "VLLM_BASE_URL=http://gpu-box:8000/v1\n", {"vLLM"}),
        ("settings.yaml", "server:\n  api_base: ${OPENAI_API_BASE:https://api.openai.com/v1}\n", {"OpenAI"}),
        # a hub token and a user name configure downloads, not a model service
        ("settings.yaml", "huggingface:\n  access_token: ${HF_TOKEN:}\n  username: me\n", set()),
        # a tracing server on localhost is not a model server
        ("settings.yaml", "phoenix:\n  url: ${PHOENIX_URL:http://localhost:6006}\n", set()),
        ("notes.yaml", "ollama:\n  api_base: http://localhost:11434\n", set()),  # not a settings file
    ],
)
def test_settings_files_name_the_back_ends_they_configure(name: str, text: str, expected: set[str]) -> None:
    assert set(services_in({name: text})) == expected


def test_a_bare_host_constant_names_the_service_but_is_not_a_call() -> None:
    # field trial (private-gpt): OPENAI_API_HOST = "api.openai.com", compared with a configured URL
    source = 'OPENAI_API_HOST = "api.openai.com"\ndef is_openai(host):\n    return host == OPENAI_API_HOST\n'
    uses = uses_in_file("app/url_utils.py", source)
    assert [(u.provider.name, u.strength, u.how) for u in uses] == [
        ("OpenAI", Strength.CONFIG, "names the host 'api.openai.com'")
    ]
    called = "import httpx\nr = httpx.Client(base_url='api.openai.com')\nURL = 'https://api.openai.com/v1'\n"
    used = {u.line for u in uses_in_file("app/client.py", called) if u.strength is Strength.USE}
    assert used == {2, 3}  # a client given the host, and a URL, are uses
