"""The one detector of model providers and AI services, shared by ``aicop init``, rule AIC501 and the BOM.

Providers are data: one table row per service names the import paths of its SDK and of the framework
integrations (current and legacy: ``llama_index.llms.openai``, ``langchain_openai``,
``langchain_community.chat_models.ChatOpenAI``), the class names frameworks export for it, its hosts,
the provider prefixes of model strings (``init_chat_model("anthropic:…")``, LiteLLM's ``"openai/gpt-4o"``),
its model-name prefixes, the environment variables holding its key, and its npm packages. Adding a
provider is a new row, not new code.

Source is parsed with ``ast`` and never imported. Each reference is evidence with a place and a
strength: an import says the code depends on the SDK; a call or reference of a provider's client, a
model string or a host in a URL says the code talks to the service. Evidence in tests, mocks and
fixtures is kept apart from the product code's.

Hand-written rather than a library: no maintained library maps Python source to the AI services it
calls (the nearest, LiteLLM's provider list, is a run-time dependency of a router and knows nothing of
imports or classes).
"""

from __future__ import annotations

import ast
import functools
import json
import re
import urllib.parse
import warnings
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

HOSTED, LOCAL, EITHER = "hosted", "local", "self-hosted or cloud"


@dataclass(frozen=True)
class Provider:
    """A service a system sends prompts, documents or embeddings to."""

    name: str
    kind: str  # "model API", "vector database", "model router"
    where: str  # HOSTED (outside the organisation), LOCAL (its own machines), EITHER
    modules: tuple[str, ...] = ()  # import prefixes that name this provider alone
    classes: tuple[str, ...] = ()  # class names frameworks export for it
    hosts: tuple[str, ...] = ()  # host names (a suffix matches: "openai.azure.com")
    prefixes: tuple[str, ...] = ()  # "prefix:model" / "prefix/model" provider keys
    models: tuple[str, ...] = ()  # model-name prefixes only this provider serves
    env: tuple[str, ...] = ()  # environment variables holding its key or endpoint
    env_prefixes: tuple[str, ...] = ()  # names only its settings start with ("VLLM_", "OLLAMA_")
    npm: tuple[str, ...] = ()  # npm packages of its SDK
    endpoint: str | None = None  # the public API base, for the manifest and the BOM

    @property
    def external(self) -> bool:
        return self.where != LOCAL


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "OpenAI",
        "model API",
        HOSTED,
        modules=(
            "openai",
            "langchain_openai",
            "llama_index.llms.openai",
            "llama_index.embeddings.openai",
            "llama_index.multi_modal_llms.openai",
            "llama_index.agent.openai",
            "tiktoken_ext.openai_public",
        ),
        classes=(
            "ChatOpenAI",
            "OpenAIEmbeddings",
            "OpenAIEmbedding",
            "OpenAIChat",
            "OpenAIGenerator",
            "OpenAIChatGenerator",
            "OpenAITextEmbedder",
            "OpenAIDocumentEmbedder",
            "OpenAIMultiModal",
            "OpenAIAgent",
            "OpenAIAssistantAgent",
            "OpenAIChatCompletion",
            "OpenAITextCompletion",
            "OpenAITextEmbedding",
            "OpenAIModel",
            "OpenAIResponses",
        ),
        hosts=("api.openai.com",),
        prefixes=("openai", "text-completion-openai"),
        models=(
            "gpt-3.5",
            "gpt-4",
            "gpt-5",
            "o1-",
            "o3-",
            "o4-mini",
            "chatgpt-4o",
            "text-embedding-3",
            "text-embedding-ada",
            "text-davinci",
            "dall-e-",
            "whisper-1",
            "tts-1",
            "gpt-image-",
        ),
        env=("OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
        npm=("openai", "@langchain/openai", "@ai-sdk/openai"),
        endpoint="https://api.openai.com/v1",
    ),
    Provider(
        "Azure OpenAI",
        "model API",
        HOSTED,
        modules=("llama_index.llms.azure_openai", "llama_index.embeddings.azure_openai"),
        classes=(
            "AzureOpenAI",
            "AsyncAzureOpenAI",
            "AzureChatOpenAI",
            "AzureOpenAIEmbeddings",
            "AzureOpenAIEmbedding",
            "AzureOpenAIGenerator",
            "AzureOpenAIChatGenerator",
            "AzureChatCompletion",
            "AzureTextEmbedding",
        ),
        hosts=("openai.azure.com",),
        prefixes=("azure", "azure_openai", "azure_ai"),
        env=("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_KEY"),
        npm=("@azure/openai",),
    ),
    Provider(
        "Anthropic",
        "model API",
        HOSTED,
        modules=("anthropic", "langchain_anthropic", "llama_index.llms.anthropic"),
        classes=(
            "ChatAnthropic",
            "Anthropic",
            "AsyncAnthropic",
            "AnthropicLLM",
            "AnthropicChatGenerator",
            "AnthropicModel",
            "ChatAnthropicMessages",
        ),
        hosts=("api.anthropic.com",),
        prefixes=("anthropic",),
        models=("claude-",),
        env=("ANTHROPIC_API_KEY",),
        npm=("@anthropic-ai/sdk", "@langchain/anthropic", "@ai-sdk/anthropic"),
        endpoint="https://api.anthropic.com",
    ),
    Provider(
        "Google Gemini API",
        "model API",
        HOSTED,
        modules=(
            "google.generativeai",
            "google.genai",
            "langchain_google_genai",
            "llama_index.llms.gemini",
            "llama_index.llms.google_genai",
            "llama_index.embeddings.gemini",
            "llama_index.embeddings.google_genai",
        ),
        classes=(
            "ChatGoogleGenerativeAI",
            "GoogleGenerativeAI",
            "GoogleGenerativeAIEmbeddings",
            "Gemini",
            "GeminiEmbedding",
            "GoogleGenAI",
            "GoogleGenAIEmbedding",
            "GeminiModel",
        ),
        hosts=("generativelanguage.googleapis.com",),
        prefixes=("gemini", "google_genai", "google"),
        models=("gemini-", "text-embedding-004", "embedding-001", "models/gemini", "models/embedding"),
        env=("GOOGLE_API_KEY", "GEMINI_API_KEY"),
        npm=("@google/generative-ai", "@google/genai", "@langchain/google-genai", "@ai-sdk/google"),
        endpoint="https://generativelanguage.googleapis.com",
    ),
    Provider(
        "Google Vertex AI",
        "model API",
        HOSTED,
        modules=(
            "vertexai",
            "google.cloud.aiplatform",
            "langchain_google_vertexai",
            "llama_index.llms.vertex",
            "llama_index.embeddings.vertex",
        ),
        classes=(
            "ChatVertexAI",
            "VertexAI",
            "VertexAIEmbeddings",
            "Vertex",
            "VertexTextEmbedding",
            "AnthropicVertex",
            "VertexAIModelGarden",
        ),
        hosts=("aiplatform.googleapis.com",),
        prefixes=("vertex_ai", "google_vertexai", "google_anthropic_vertex", "vertex_ai_beta"),
        models=("text-bison", "chat-bison", "textembedding-gecko"),
        npm=("@google-cloud/vertexai", "@langchain/google-vertexai"),
    ),
    Provider(
        "AWS Bedrock",
        "model API",
        HOSTED,
        modules=(
            "langchain_aws.chat_models.bedrock",
            "llama_index.llms.bedrock",
            "llama_index.llms.bedrock_converse",
            "llama_index.embeddings.bedrock",
        ),
        classes=(
            "ChatBedrock",
            "BedrockChat",
            "Bedrock",
            "BedrockLLM",
            "BedrockEmbeddings",
            "ChatBedrockConverse",
            "BedrockConverse",
            "BedrockEmbedding",
            "AnthropicBedrock",
            "AsyncAnthropicBedrock",
        ),
        hosts=("bedrock-runtime.", "bedrock.amazonaws.com"),
        prefixes=("bedrock", "bedrock_converse"),
        npm=("@aws-sdk/client-bedrock-runtime", "@langchain/aws"),
    ),
    Provider(
        "AWS SageMaker",
        "model API",
        HOSTED,
        modules=("sagemaker", "llama_index.llms.sagemaker_endpoint"),
        classes=("SagemakerEndpoint", "SageMakerLLM", "SagemakerEndpointEmbeddings", "SageMakerEndpoint"),
        hosts=("runtime.sagemaker.",),
        prefixes=("sagemaker", "sagemaker_chat"),
        npm=("@aws-sdk/client-sagemaker-runtime",),
    ),
    Provider(
        "Cohere",
        "model API",
        HOSTED,
        modules=(
            "cohere",
            "langchain_cohere",
            "llama_index.llms.cohere",
            "llama_index.embeddings.cohere",
            "llama_index.postprocessor.cohere_rerank",
        ),
        classes=(
            "ChatCohere",
            "Cohere",
            "CohereEmbeddings",
            "CohereRerank",
            "CohereEmbedding",
            "CohereGenerator",
            "CohereChatGenerator",
        ),
        hosts=("api.cohere.ai", "api.cohere.com"),
        prefixes=("cohere", "cohere_chat"),
        models=("command-r", "command-light", "command-a", "embed-english", "embed-multilingual", "rerank-"),
        env=("COHERE_API_KEY", "CO_API_KEY"),
        npm=("cohere-ai", "@langchain/cohere"),
        endpoint="https://api.cohere.com",
    ),
    Provider(
        "Mistral AI",
        "model API",
        HOSTED,
        modules=(
            "mistralai",
            "langchain_mistralai",
            "llama_index.llms.mistralai",
            "llama_index.embeddings.mistralai",
        ),
        classes=("ChatMistralAI", "MistralAI", "MistralAIEmbeddings", "MistralAIEmbedding", "MistralClient"),
        hosts=("api.mistral.ai",),
        prefixes=("mistral", "mistralai"),
        models=(
            "mistral-large",
            "mistral-small",
            "mistral-medium",
            "codestral",
            "open-mistral",
            "open-mixtral",
            "mistral-embed",
            "pixtral-",
        ),
        env=("MISTRAL_API_KEY",),
        npm=("@mistralai/mistralai", "@langchain/mistralai"),
        endpoint="https://api.mistral.ai",
    ),
    Provider(
        "Groq",
        "model API",
        HOSTED,
        modules=("groq", "langchain_groq", "llama_index.llms.groq"),
        classes=("ChatGroq", "Groq", "AsyncGroq"),
        hosts=("api.groq.com",),
        prefixes=("groq",),
        env=("GROQ_API_KEY",),
        npm=("groq-sdk", "@langchain/groq"),
        endpoint="https://api.groq.com/openai/v1",
    ),
    Provider(
        "Replicate",
        "model API",
        HOSTED,
        modules=("replicate", "llama_index.llms.replicate"),
        classes=("Replicate",),
        hosts=("api.replicate.com",),
        prefixes=("replicate",),
        env=("REPLICATE_API_TOKEN", "REPLICATE_API_KEY"),
        npm=("replicate",),
        endpoint="https://api.replicate.com",
    ),
    Provider(
        "Together AI",
        "model API",
        HOSTED,
        modules=("together", "langchain_together", "llama_index.llms.together"),
        classes=("ChatTogether", "Together", "TogetherEmbeddings", "TogetherLLM"),
        hosts=("api.together.xyz", "api.together.ai"),
        prefixes=("together_ai", "together"),
        env=("TOGETHER_API_KEY", "TOGETHERAI_API_KEY"),
        npm=("together-ai", "@langchain/together"),
        endpoint="https://api.together.xyz/v1",
    ),
    Provider(
        "Fireworks AI",
        "model API",
        HOSTED,
        modules=("fireworks", "langchain_fireworks", "llama_index.llms.fireworks"),
        classes=("ChatFireworks", "Fireworks", "FireworksEmbeddings", "FireworksEmbedding"),
        hosts=("api.fireworks.ai",),
        prefixes=("fireworks_ai", "fireworks"),
        models=("accounts/fireworks/",),
        env=("FIREWORKS_API_KEY",),
        npm=("@fireworks-ai/sdk",),
        endpoint="https://api.fireworks.ai/inference/v1",
    ),
    Provider(
        "Hugging Face Inference",
        "model API",
        HOSTED,
        modules=("langchain_huggingface.llms.huggingface_endpoint", "llama_index.llms.huggingface_api"),
        classes=(
            "HuggingFaceEndpoint",
            "HuggingFaceHub",
            "HuggingFaceInferenceAPI",
            "InferenceClient",
            "AsyncInferenceClient",
            "HuggingFaceInferenceAPIEmbeddings",
            "HuggingFaceEndpointEmbeddings",
            "HuggingFaceInferenceAPIEmbedding",
            "HuggingFaceAPIGenerator",
            "HuggingFaceAPIChatGenerator",
            "HuggingFaceTextGenInference",
        ),
        hosts=("api-inference.huggingface.co", "router.huggingface.co", "endpoints.huggingface.cloud"),
        prefixes=("huggingface",),
        env=("HUGGINGFACEHUB_API_TOKEN",),
        npm=("@huggingface/inference",),
    ),
    Provider(
        "DeepSeek",
        "model API",
        HOSTED,
        modules=("langchain_deepseek", "llama_index.llms.deepseek"),
        classes=("ChatDeepSeek", "DeepSeek"),
        hosts=("api.deepseek.com",),
        prefixes=("deepseek",),
        models=("deepseek-chat", "deepseek-reasoner"),
        env=("DEEPSEEK_API_KEY",),
        endpoint="https://api.deepseek.com",
    ),
    Provider(
        "xAI",
        "model API",
        HOSTED,
        modules=("xai_sdk", "langchain_xai"),
        classes=("ChatXAI",),
        hosts=("api.x.ai",),
        prefixes=("xai",),
        models=("grok-",),
        env=("XAI_API_KEY",),
        endpoint="https://api.x.ai/v1",
    ),
    Provider(
        "Perplexity",
        "model API",
        HOSTED,
        classes=("ChatPerplexity", "Perplexity"),
        hosts=("api.perplexity.ai",),
        prefixes=("perplexity",),
        env=("PERPLEXITY_API_KEY", "PPLX_API_KEY"),
        endpoint="https://api.perplexity.ai",
    ),
    Provider(
        "OpenRouter",
        "model router",
        HOSTED,
        classes=("ChatOpenRouter", "OpenRouter"),
        hosts=("openrouter.ai",),
        prefixes=("openrouter",),
        env=("OPENROUTER_API_KEY",),
        endpoint="https://openrouter.ai/api/v1",
    ),
    Provider(
        "Ollama",
        "local model server",
        LOCAL,
        modules=("ollama", "langchain_ollama", "llama_index.llms.ollama", "llama_index.embeddings.ollama"),
        classes=(
            "ChatOllama",
            "Ollama",
            "OllamaLLM",
            "OllamaEmbeddings",
            "OllamaEmbedding",
            "OllamaFunctions",
            "OllamaGenerator",
            "OllamaChatGenerator",
        ),
        hosts=("localhost:11434", "127.0.0.1:11434", "0.0.0.0:11434", "ollama:11434"),
        prefixes=("ollama", "ollama_chat"),
        env=("OLLAMA_HOST", "OLLAMA_BASE_URL"),
        env_prefixes=("OLLAMA_",),
        npm=("ollama", "@langchain/ollama"),
    ),
    Provider(
        "vLLM",
        "local model server",
        LOCAL,
        modules=("vllm", "llama_index.llms.vllm"),
        classes=("VLLM", "VLLMOpenAI", "Vllm"),
        prefixes=("hosted_vllm", "vllm"),
        env_prefixes=("VLLM_",),
    ),
    Provider(
        "llama.cpp",
        "local model server",
        LOCAL,
        modules=("llama_cpp", "llama_index.llms.llama_cpp"),
        classes=("LlamaCpp", "ChatLlamaCpp", "LlamaCppEmbeddings"),
        prefixes=("llamacpp", "llama_cpp"),
    ),
    Provider(
        "GPT4All",
        "local model server",
        LOCAL,
        modules=("gpt4all",),
        classes=("GPT4All", "GPT4AllEmbeddings"),
    ),
    Provider(
        "Local OpenAI-compatible server",
        "local model server",
        LOCAL,
        modules=("llama_index.llms.openai_like",),
        classes=("OpenAILike", "OpenAILikeEmbedding", "LMStudio"),
        prefixes=("lm_studio", "lmstudio"),
        env_prefixes=("LMSTUDIO_", "LM_STUDIO_"),
    ),
    Provider(
        # LangChain's chat wrapper over either a local transformers pipeline or a hosted Inference
        # endpoint: which one is decided by the object passed to it, often only at run time.
        "Hugging Face chat model (local pipeline or Inference endpoint)",
        "model API",
        EITHER,
        modules=("langchain_huggingface.chat_models",),
        classes=("ChatHuggingFace",),
    ),
    Provider(
        "LiteLLM (provider chosen at run time)",
        "model router",
        EITHER,
        modules=("litellm", "langchain_litellm", "llama_index.llms.litellm"),
        classes=("ChatLiteLLM", "LiteLLM", "ChatLiteLLMRouter"),
    ),
    Provider(
        "Tavily",
        "web search API",
        HOSTED,
        modules=("tavily", "langchain_tavily"),
        classes=(
            "TavilySearchResults",
            "TavilySearchAPIRetriever",
            "TavilyClient",
            "AsyncTavilyClient",
            "TavilySearch",
            "TavilyAnswer",
            "TavilySearchAPIWrapper",
            "TavilyExtract",
        ),
        hosts=("api.tavily.com",),
        env=("TAVILY_API_KEY",),
        npm=("@tavily/core",),
        endpoint="https://api.tavily.com",
    ),
    Provider(
        "Alibaba DashScope",
        "model API",
        HOSTED,
        modules=("dashscope", "llama_index.llms.dashscope"),
        classes=("ChatTongyi", "Tongyi", "DashScopeEmbeddings", "DashScope"),
        hosts=("dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com"),
        prefixes=("dashscope",),
        env=("DASHSCOPE_API_KEY",),
    ),
    Provider(
        "GigaChat",
        "model API",
        HOSTED,
        modules=("gigachat", "langchain_gigachat"),
        classes=("GigaChat", "GigaChatEmbeddings"),
        hosts=("gigachat.devices.sberbank.ru",),
        prefixes=("gigachat",),
        env=("GIGACHAT_CREDENTIALS",),
    ),
    Provider(
        "Nebius AI",
        "model API",
        HOSTED,
        modules=("langchain_nebius",),
        classes=("ChatNebius", "NebiusEmbeddings"),
        hosts=("api.studio.nebius.ai", "api.studio.nebius.com", "api.tokenfactory.nebius.com"),
        prefixes=("nebius",),
        env=("NEBIUS_API_KEY",),
    ),
    Provider(
        "NetMind",
        "model API",
        HOSTED,
        modules=("langchain_netmind",),
        classes=("ChatNetmind", "NetmindEmbeddings"),
        hosts=("api.netmind.ai",),
        env=("NETMIND_API_KEY",),
    ),
    Provider(
        "Brave Search",
        "web search API",
        HOSTED,
        classes=("BraveSearch", "BraveSearchWrapper", "BraveSearchToolSpec"),
        hosts=("api.search.brave.com",),
        env=("BRAVE_API_KEY", "BRAVE_SEARCH_API_KEY"),
        endpoint="https://api.search.brave.com",
    ),
    Provider(
        "Pinecone",
        "vector database",
        HOSTED,
        modules=("pinecone", "langchain_pinecone", "llama_index.vector_stores.pinecone"),
        classes=("Pinecone", "PineconeVectorStore", "PineconeDocumentStore", "PineconeGRPC"),
        env=("PINECONE_API_KEY",),
        npm=("@pinecone-database/pinecone", "@langchain/pinecone"),
    ),
    Provider(
        "Weaviate",
        "vector database",
        EITHER,
        modules=("weaviate", "langchain_weaviate", "llama_index.vector_stores.weaviate"),
        classes=("Weaviate", "WeaviateVectorStore", "WeaviateDocumentStore"),
        hosts=("weaviate.network", "weaviate.cloud"),
        env=("WEAVIATE_API_KEY", "WEAVIATE_URL"),
        npm=("weaviate-client", "weaviate-ts-client", "@langchain/weaviate"),
    ),
    Provider(
        "Qdrant",
        "vector database",
        EITHER,
        modules=("qdrant_client", "langchain_qdrant", "llama_index.vector_stores.qdrant"),
        classes=("Qdrant", "QdrantVectorStore", "QdrantDocumentStore", "QdrantClient"),
        hosts=("cloud.qdrant.io",),
        env=("QDRANT_API_KEY", "QDRANT_URL"),
        npm=("@qdrant/js-client-rest", "@langchain/qdrant"),
    ),
    Provider(
        "Milvus / Zilliz",
        "vector database",
        EITHER,
        modules=("pymilvus", "langchain_milvus", "llama_index.vector_stores.milvus"),
        classes=("Milvus", "MilvusVectorStore", "Zilliz"),
        hosts=("zillizcloud.com", "zilliz.com"),
        npm=("@zilliz/milvus2-sdk-node",),
    ),
    Provider(
        "Chroma",
        "vector database",
        LOCAL,
        modules=("chromadb", "langchain_chroma", "llama_index.vector_stores.chroma"),
        classes=("Chroma", "ChromaVectorStore", "ChromaDocumentStore"),
        npm=("chromadb", "@langchain/chroma"),
    ),
    Provider(
        "FAISS",
        "vector database",
        LOCAL,
        modules=("faiss", "llama_index.vector_stores.faiss"),
        classes=("FAISS", "FaissVectorStore"),
    ),
    Provider(
        "LanceDB",
        "vector database",
        LOCAL,
        modules=("lancedb", "llama_index.vector_stores.lancedb"),
        classes=("LanceDB", "LanceDBVectorStore"),
    ),
    Provider(
        "PostgreSQL pgvector",
        "vector database",
        LOCAL,
        modules=("pgvector", "langchain_postgres", "llama_index.vector_stores.postgres"),
        classes=("PGVector", "PGVectorStore", "PgvectorDocumentStore"),
    ),
)
BY_NAME = {p.name: p for p in PROVIDERS}

# Roots of frameworks whose exported class names (ChatOpenAI, Ollama, Chroma...) identify a provider.
FRAMEWORKS = (
    "langchain",
    "llama_index",
    "haystack",
    "crewai",
    "autogen",
    "autogen_ext",
    "semantic_kernel",
    "dspy",
    "smolagents",
    "pydantic_ai",
    "agno",
    "phi",
    "embedchain",
    "mem0",
    "camel",
    "guidance",
    "instructor",
    "openai",
    "anthropic",
    "google",
    "boto3",
)
# Calls whose first positional argument is a model string.
MODEL_FIRST_ARG = frozenset(
    {
        "init_chat_model",
        "init_embeddings",
        "completion",
        "acompletion",
        "embedding",
        "aembedding",
        "text_completion",
        "LLM",
        "ChatLiteLLM",
        "LiteLLM",
        "Agent",
    }
)
MODEL_KEYS = frozenset(
    {
        "model",
        "model_name",
        "model_id",
        "llm",
        "llm_model",
        "engine",
        "embedding_model",
        "fast_llm",
        "smart_llm",
        "strategic_llm",
        "chat_model",
    }
)
# Callees that take a hub repository ("openai/clip-vit-base-patch32"), never a provider string.
HUB_LOADERS = frozenset(
    {
        "from_pretrained",
        "pipeline",
        "SentenceTransformer",
        "CrossEncoder",
        "hf_hub_download",
        "snapshot_download",
        "load_dataset",
        "HuggingFaceEmbeddings",
        "HuggingFaceEmbedding",
        "HuggingFaceLLM",
        "AutoTokenizer",
        "encoding_for_model",
    }
)
BASE_URL_KEYS = frozenset(
    {
        "base_url",
        "api_base",
        "openai_api_base",
        "base_api",
        "endpoint",
        "host",
        "url",
        "azure_endpoint",
        "server_url",
    }
)
MODEL_VARIABLE = re.compile(r"(?:^|_)(?:model|llm|engine)(?:_|$)", re.IGNORECASE)
_COLON_MODEL = re.compile(r"^([a-z][a-z_-]*):([\w.\-/:@]+)$")
_SLASH_MODEL = re.compile(r"^([a-z][a-z_-]*)/([\w.\-/:@]+)$")
_LOCAL_URL = re.compile(r"^https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?/v1\b")
TEST_DIRS = frozenset(
    {"tests", "test", "testing", "__tests__", "mocks", "__mocks__", "fixtures", "test_data"}
)


class Strength(IntEnum):
    IMPORT = 1  # the code depends on the SDK
    CONFIG = 2  # it reads the service's key or names it in a dependency list
    USE = 3  # it calls or refers to the client, names a model of the service, or its host


@dataclass(frozen=True)
class ServiceUse:
    provider: Provider
    path: str
    line: int
    how: str
    strength: Strength

    @property
    def in_tests(self) -> bool:
        return is_test_path(self.path)


def is_test_path(path: str) -> bool:
    """Tests, mocks and fixtures: evidence of a different kind from the product code's."""
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in TEST_DIRS for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith(("_test.py", ".test.ts", ".test.js", ".spec.ts", ".spec.js"))
        or name == "conftest.py"
    )


_MODULES = {m: p for p in PROVIDERS for m in p.modules}
_CLASSES = {c: p for p in PROVIDERS for c in p.classes}
_PREFIXES = {x: p for p in PROVIDERS for x in p.prefixes}
_ENV = {e: p for p in PROVIDERS for e in p.env}
_ENV_PREFIXES = tuple((x, p) for p in PROVIDERS for x in p.env_prefixes)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def provider_of_env(name: str) -> Provider | None:
    """The provider an environment variable belongs to: by its exact name, or a prefix only that
    provider's settings use (``VLLM_OPENAI_API_BASE``)."""
    if name in _ENV:
        return _ENV[name]
    if not _ENV_NAME.match(name):
        return None
    return next((p for x, p in _ENV_PREFIXES if name.startswith(x)), None)


_MODELS = sorted(((m, p) for p in PROVIDERS for m in p.models), key=lambda mp: -len(mp[0]))
_NPM = {n: p for p in PROVIDERS for n in p.npm}
_HOSTS = {h: p for p in PROVIDERS for h in p.hosts}
# A host preceded by the start, a scheme, a subdomain dot or a quote, and not running on into a longer
# name ("api.openai.com" in "https://api.openai.com/v1", not in "myapi.openai.com.evil.net").
_HOST_PATTERN = re.compile(
    r"(?:^|(?<=[/.@\s\"'=]))("
    + "|".join(
        re.escape(h) + ("" if h.endswith(".") else r"(?![\w-])")
        for h in sorted(_HOSTS, key=len, reverse=True)
    )
    + ")",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8192)
def provider_of(qualified: str) -> Provider | None:
    """The provider a dotted name resolved through imports belongs to: a framework's or SDK's class for
    it first (``openai.AzureOpenAI`` is Azure OpenAI), else its SDK's module path."""
    parts = qualified.split(".")
    by_module = None
    for end in range(len(parts), 0, -1):
        by_module = _MODULES.get(".".join(parts[:end]))
        if by_module is not None:
            break
    if len(parts) > 1 and (by_module is not None or parts[0].startswith(FRAMEWORKS)):
        for part in parts[1:]:
            if part in _CLASSES:
                return _CLASSES[part]
    return by_module


def provider_of_model(text: str, *, slash: bool) -> Provider | None:
    """The provider a model string names: ``anthropic:claude-3-5``, LiteLLM's ``groq/llama3-70b`` (when
    ``slash``, i.e. in a place that takes a model), or a model name only one provider serves."""
    match = _COLON_MODEL.match(text) or (_SLASH_MODEL.match(text) if slash else None)
    if match and match.group(1) in _PREFIXES:
        return _PREFIXES[match.group(1)]
    lowered = text.lower()
    for prefix, provider in _MODELS:
        if lowered.startswith(prefix):
            return provider
    return None


def provider_of_url(text: str) -> Provider | None:
    """The provider whose host a URL (or a string holding one) names; a loopback ``/v1`` base is a local
    OpenAI-compatible server."""
    match = _HOST_PATTERN.search(text)
    if match is not None:
        return _HOSTS[match.group(1).lower()]
    if _LOCAL_URL.match(text.lower()):
        return BY_NAME["Local OpenAI-compatible server"]
    return None


def provider_at(url: str) -> Provider | None:
    """The provider a client's base URL points at: a known one by its host, else the service at that
    host itself (an OpenAI-compatible API of a provider not in the table is still a service the data
    goes to, not OpenAI); None when the value is not a URL."""
    known = provider_of_url(url)
    if known is not None:
        return known
    parsed = urllib.parse.urlsplit(url.strip())
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https") or not host or "{" in url:
        return None
    if host in ("localhost", "127.0.0.1", "0.0.0.0", "::1") or host.endswith(".local"):  # noqa: S104
        return BY_NAME["Local OpenAI-compatible server"]
    return Provider(
        f"API at {host}",
        "model API (OpenAI-compatible)",
        HOSTED,
        hosts=(host,),
        endpoint=f"{parsed.scheme}://{host}",
    )


_BOTO3_SERVICES = {
    "bedrock-runtime": "AWS Bedrock",
    "bedrock": "AWS Bedrock",
    "bedrock-agent-runtime": "AWS Bedrock",
    "sagemaker-runtime": "AWS SageMaker",
}


class _Detector:
    """Two flat passes over a module: imports first (so that a name used before an import inside a
    function still resolves), then calls, names, strings and model-typed assignments. Faster than a
    recursive NodeVisitor, which matters on trees of thousands of files."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.aliases: dict[str, str] = {}
        self.uses: list[ServiceUse] = []
        self.written: set[int] = set()  # os.environ["OPENAI_API_KEY"] = ... sets a key for a child process

    def add(self, provider: Provider | None, node: ast.AST, how: str, strength: Strength) -> None:
        if provider is not None:
            self.uses.append(ServiceUse(provider, self.path, getattr(node, "lineno", 1), how, strength))

    def qualified(self, node: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call):
            inner = self.qualified(node.func)
            return ".".join([inner, *reversed(parts)]) if inner else ""
        if not isinstance(node, ast.Name):
            return ""
        return ".".join([self.aliases.get(node.id, node.id), *reversed(parts)])

    def run(self, tree: ast.AST) -> None:
        calls: list[ast.Call] = []
        names: list[ast.Name] = []
        strings: list[ast.Constant] = []
        prose: set[int] = set()  # docstrings and bare string statements: a host they name is prose
        dicts: list[ast.Dict] = []
        assigns: list[tuple[ast.expr, ast.expr]] = []
        member: dict[int, str] = {}  # id(name) → the attribute read from it (openai → APIError)
        for node in _breadth_first(tree):
            kind = type(node)
            if kind is ast.Name:
                names.append(node)  # type: ignore[arg-type]
            elif kind is ast.Attribute and type(node.value) is ast.Name:  # type: ignore[attr-defined]
                member[id(node.value)] = node.attr  # type: ignore[attr-defined]
            elif kind is ast.Constant:
                if isinstance(node.value, str) and len(node.value) < 2000:  # type: ignore[attr-defined]
                    strings.append(node)  # type: ignore[arg-type]
            elif kind is ast.Call:
                calls.append(node)  # type: ignore[arg-type]
            elif kind is ast.Expr:
                if isinstance(node.value, ast.Constant):  # type: ignore[attr-defined]
                    prose.add(id(node.value))  # type: ignore[attr-defined]
            elif kind is ast.Import:
                self._import(node)  # type: ignore[arg-type]
            elif kind is ast.ImportFrom:
                self._import_from(node)  # type: ignore[arg-type]
            elif kind is ast.Dict:
                dicts.append(node)  # type: ignore[arg-type]
            elif kind is ast.Assign:
                assigns += [(t, node.value) for t in node.targets]  # type: ignore[attr-defined]
                for target in node.targets:  # type: ignore[attr-defined]
                    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                        self.written.add(id(target.slice))
            elif kind is ast.AnnAssign and node.value is not None:  # type: ignore[attr-defined]
                assigns.append((node.target, node.value))  # type: ignore[attr-defined]
            elif kind is ast.ClassDef:
                self._backends(node)  # type: ignore[arg-type]
        in_calls: set[int] = set()
        for call in calls:
            self._call(call, in_calls)
        for name in names:
            if id(name) not in in_calls and name.id in self.aliases and isinstance(name.ctx, ast.Load):
                qualified = self.aliases[name.id]
                read = f"{qualified}.{member[id(name)]}" if id(name) in member else qualified
                self.add(provider_of(qualified), name, f"refers to {read}", _strength(read))
        for string in strings:
            if id(string) not in prose and id(string) not in self.written:
                self._string(string)
        for mapping in dicts:
            self._dict(mapping)
        for target, value in assigns:
            self._model_variable(target, value)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            head = alias.name.split(".")[0]
            self.aliases[alias.asname or head] = alias.name if alias.asname else head
            self.add(provider_of(alias.name), node, f"imports {alias.name}", Strength.IMPORT)

    def _import_from(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        for alias in node.names:
            qualified = f"{base}.{alias.name}" if base else alias.name
            if node.level:  # relative: this project's own module, never a provider
                self.aliases[alias.asname or alias.name] = "." + qualified
                continue
            self.aliases[alias.asname or alias.name] = qualified
            self.add(provider_of(qualified), node, f"imports {qualified}", Strength.IMPORT)

    def _call(self, node: ast.Call, in_calls: set[int]) -> None:
        func = node.func
        while isinstance(func, ast.Attribute):
            func = func.value
        if isinstance(func, ast.Name):
            in_calls.add(id(func))
        name = self.qualified(node.func)
        last = name.rsplit(".", 1)[-1]
        provider = provider_of(name) if name else None
        redirected, via = self._base_url(node)
        if provider is None and redirected is not None and redirected.name not in BY_NAME:
            redirected = None  # requests.get(url=...) of a host in no provider's row is not a model API
        if redirected is not None and (provider is None or provider.kind != "vector database"):
            self.add(redirected, node, f"calls {name or 'a client'} {via}", Strength.USE)
        elif provider is not None:
            self.add(provider, node, f"calls {name}", _strength(name))
        if name == "boto3.client" or (last == "client" and name.startswith("boto3")):
            service = node.args[0] if node.args else None
            if isinstance(service, ast.Constant) and service.value in _BOTO3_SERVICES:
                target = BY_NAME[_BOTO3_SERVICES[str(service.value)]]
                self.add(target, node, f"boto3.client({service.value!r})", Strength.USE)
        routed = provider is None or provider.kind == "model router"
        if routed and redirected is None and last not in HUB_LOADERS:
            self._model_arguments(node, last)

    def _base_url(self, node: ast.Call) -> tuple[Provider | None, str]:
        """The provider a client's base URL keyword points at, and how it is known: a URL written in the
        code, or an environment variable that only one provider's settings use (known at run time)."""
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg not in BASE_URL_KEYS:
                continue
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return provider_at(value.value), "with its base URL"
            name = _environment_name(value, self.aliases)
            if name is not None and (provider := provider_of_env(name)) is not None:
                return provider, f"with its base URL from ${name}"
        return None, ""

    def _backends(self, node: ast.ClassDef) -> None:
        """An enumeration of the back-ends the code can be pointed at (``OLLAMA = "ollama"``, a provider's
        own key): each is a service chosen at run time, by settings the code does not hold. Two
        provider keys at least, so that one constant that happens to be a key is not taken for one."""
        bases = {self.qualified(b).rsplit(".", 1)[-1] for b in node.bases}
        if not bases & {"Enum", "StrEnum"}:
            return
        members = [
            (statement, statement.value.value)
            for statement in node.body
            if isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ]
        keys = [(statement, _PREFIXES[value]) for statement, value in members if value in _PREFIXES]
        if len(keys) < 2:
            return
        for statement, provider in keys:
            self.written.add(id(statement.value))  # reported here, not again as a bare string
            self.add(
                provider, statement, f"a back-end of enum {node.name} (chosen at run time)", Strength.CONFIG
            )

    def _model_arguments(self, node: ast.Call, last: str) -> None:
        candidates = [k.value for k in node.keywords if k.arg in MODEL_KEYS]
        if last in MODEL_FIRST_ARG and node.args:
            candidates.append(node.args[0])
        for value in candidates:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                provider = provider_of_model(value.value, slash=True)
                self.add(provider, value, f"model {value.value!r}", Strength.USE)

    def _dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and key.value.lower() in MODEL_KEYS
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                provider = provider_of_model(value.value, slash=True)
                self.add(provider, value, f"model {value.value!r}", Strength.USE)

    def _model_variable(self, target: ast.expr, value: ast.expr) -> None:
        name = (
            target.id
            if isinstance(target, ast.Name)
            else target.attr
            if isinstance(target, ast.Attribute)
            else ""
        )
        if (
            name
            and MODEL_VARIABLE.search(name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            self.add(
                provider_of_model(value.value, slash=True), value, f"model {value.value!r}", Strength.USE
            )

    def _string(self, node: ast.Constant) -> None:
        text = str(node.value)
        if (env := provider_of_env(text)) is not None:
            self.add(env, node, f"reads {text}", Strength.CONFIG)
        elif ("." in text or ":" in text) and (provider := provider_of_url(text)) is not None:
            if _BARE_HOST.match(text):  # "api.openai.com" alone: compared with or named, not called
                self.add(provider, node, f"names the host {text!r}", Strength.CONFIG)
            else:
                self.add(provider, node, f"URL {text[:60]!r}", Strength.USE)
        elif ":" in text and (match := _COLON_MODEL.match(text)) and match.group(1) in _PREFIXES:
            self.add(_PREFIXES[match.group(1)], node, f"model {text!r}", Strength.USE)


_NOT_WALKED = frozenset(
    c
    for c in vars(ast).values()
    if isinstance(c, type)
    and issubclass(c, ast.expr_context | ast.operator | ast.unaryop | ast.cmpop | ast.boolop)
)


def _breadth_first(tree: ast.AST) -> list[ast.AST]:
    """The nodes of ``tree`` in ``ast.walk``'s order, without its generators (a third of the detector's
    time) and without expression contexts and operators, which hold nothing it reads."""
    order = [tree]
    for node in order:  # the list grows as it is read: a queue
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                order.extend(v for v in value if isinstance(v, ast.AST) and type(v) not in _NOT_WALKED)
            elif isinstance(value, ast.AST) and type(value) not in _NOT_WALKED:
                order.append(value)
    return order


def _environment_name(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The variable's name in ``os.environ["X"]``, ``os.environ.get("X", …)`` or ``os.getenv("X", …)``."""

    def dotted(expr: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return ""
        return ".".join([aliases.get(expr.id, expr.id), *reversed(parts)])

    key: ast.expr | None = None
    if isinstance(node, ast.Subscript) and dotted(node.value) == "os.environ":
        key = node.slice
    elif isinstance(node, ast.Call) and node.args and dotted(node.func) in ("os.getenv", "os.environ.get"):
        key = node.args[0]
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return None


# A host name and nothing else (no scheme, path or port): a constant the code compares a configured URL
# with, or names in a message. A client given it (base_url=, host=) is still a use (``_base_url``).
_BARE_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)


_NOT_A_CLIENT = frozenset({"utils", "types", "_types", "errors", "exceptions", "_exceptions", "constants"})


def _strength(qualified: str) -> Strength:
    """A use of a provider's client, or only of its helpers: ``llama_index.llms.openai.utils.X``,
    ``openai.types.Y``, ``openai.APIError`` and constants say the code knows the SDK, not that it calls
    the service."""
    parts = qualified.split(".")
    last = parts[-1]
    helper = (
        any(p in _NOT_A_CLIENT for p in parts[1:])
        or last.endswith(("Error", "Exception", "Warning"))
        or (last.isupper() and len(last) > 1)
    )
    return Strength.IMPORT if helper else Strength.USE


def _triggers() -> tuple[str, ...]:
    """Every word the detector could act on, lower-cased and reduced to those no other contains (one
    substring search each, in C); a module that contains none is skipped unwalked, as most modules of
    a large project are."""
    words = {
        w
        for p in PROVIDERS
        for w in (*p.modules, *p.classes, *p.hosts, *p.env, *p.env_prefixes, *p.models, *p.prefixes)
    }
    words |= {"boto3", "localhost", "127.0.0.1", "0.0.0.0"}  # noqa: S104 - words to look for, not an address
    lowered = sorted({w.lower() for w in words}, key=len)
    return tuple(w for i, w in enumerate(lowered) if not any(shorter in w for shorter in lowered[:i]))


_TRIGGERS = _triggers()


def names_a_provider(source: str) -> bool:
    lowered = source.lower()
    return any(word in lowered for word in _TRIGGERS)


def uses_in_tree(tree: ast.AST, path: str, source: str | None = None) -> list[ServiceUse]:
    """Every piece of evidence of a provider in one parsed module (``source``, when given, lets a module
    that names no provider at all be skipped without walking its tree)."""
    if source is not None and not names_a_provider(source):
        return []
    detector = _Detector(path)
    detector.run(tree)
    return detector.uses


def uses_in_source(text: str, path: str) -> list[ServiceUse]:
    """As ``uses_in_tree`` for source text; a file that does not parse gives no evidence (``aicop code``
    reports it as skipped)."""
    if not names_a_provider(text):
        return []  # not even parsed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return uses_in_tree(tree, path, text)


def uses_in_notebook(text: str, path: str) -> list[ServiceUse]:
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return []
    uses: list[ServiceUse] = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            lines = ["pass" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")]
            uses += uses_in_source("\n".join(lines), path)
    return uses


def uses_in_package_json(text: str, path: str) -> list[ServiceUse]:
    """SDKs a JavaScript package depends on."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    uses: list[ServiceUse] = []
    if not isinstance(data, dict):
        return uses
    for section in ("dependencies", "devDependencies", "peerDependencies"):
        deps = data.get(section)
        if isinstance(deps, dict):
            for name in deps:
                if name in _NPM:
                    uses.append(ServiceUse(_NPM[name], path, 1, f"depends on {name}", Strength.CONFIG))
    return uses


# Settings files an application reads at run time: where the back-end it talks to is often chosen.
SETTINGS_FILE = re.compile(
    r"^(?:settings|config|configuration|application)(?:[-_.][\w.-]*)?\.(?:ya?ml|toml)$"
    r"|^(?:\.env\.(?:example|sample|template)|example\.env)$",
    re.IGNORECASE,
)
_SETTINGS_SECTION = re.compile(r"^\s*(?:\[([\w.-]+)\]|([A-Za-z_][\w-]*)\s*:)\s*(?:#.*)?$")
_SETTINGS_URL_KEY = re.compile(
    r"^\s*(?:api_base|base_url|api_base_url|openai_api_base|azure_endpoint|[a-z]+_base_url|[a-z]+_host)"
    r"\s*[:=]\s*(.+)$",
    re.IGNORECASE,
)
_SETTINGS_URL = re.compile(r"https?://[^\s'\"}]+")
_SETTINGS_ENV = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")


def uses_in_settings(text: str, path: str) -> list[ServiceUse]:
    """Back-ends a settings file configures: a section named by a provider's key (``ollama:``,
    ``[vllm]``), a base-URL setting whose URL is a known provider's host or a local server's ``/v1``,
    and the environment variables only one provider's settings use (``${OLLAMA_API_BASE:…}``).
    Read line by line, never parsed as YAML (no alias can expand) and never run."""
    uses: list[ServiceUse] = []
    lines = text.splitlines()[:20_000]
    for number, line in enumerate(lines, start=1):
        if len(line) > 2000:
            continue
        section = _SETTINGS_SECTION.match(line)
        key = (section.group(1) or section.group(2)).lower() if section else ""
        if key in _PREFIXES and _configures_a_service(lines, number):
            uses.append(
                ServiceUse(_PREFIXES[key], path, number, f"settings section {key!r}", Strength.CONFIG)
            )
        setting = _SETTINGS_URL_KEY.match(line)
        for url in _SETTINGS_URL.findall(setting.group(1)) if setting else []:
            provider = provider_of_url(url)
            if provider is not None:
                uses.append(ServiceUse(provider, path, number, f"settings URL {url[:60]!r}", Strength.CONFIG))
        for name in _SETTINGS_ENV.findall(line):
            provider = provider_of_env(name)
            if provider is not None:
                uses.append(ServiceUse(provider, path, number, f"settings read ${name}", Strength.CONFIG))
    return uses


_SERVICE_KEY = re.compile(
    r"^\s*(?:api_base|base_url|api_base_url|url|host|endpoint|api_key|model|\w*_model|\w*model_name)\s*[:=]",
    re.IGNORECASE,
)


def _configures_a_service(lines: list[str], number: int) -> bool:
    """Whether the section starting at line ``number`` (1-based) sets where the service is or which
    model it serves: ``huggingface:`` holding only a hub token and a username configures downloads."""
    head = lines[number - 1]
    toml = head.lstrip().startswith("[")
    indent = len(head) - len(head.lstrip())
    for line in lines[number : number + 200]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if (toml and stripped.startswith("[")) or (not toml and len(line) - len(line.lstrip()) <= indent):
            return False  # the section ended
        if _SERVICE_KEY.match(line):
            return True
    return False


def uses_in_file(rel: str, text: str) -> list[ServiceUse]:
    if rel.endswith(".py"):
        return uses_in_source(text, rel)
    if rel.endswith(".ipynb"):
        return uses_in_notebook(text, rel)
    name = rel.rsplit("/", 1)[-1]
    if name == "package.json":
        return uses_in_package_json(text, rel)
    if SETTINGS_FILE.match(name):
        return uses_in_settings(text, rel)
    return []


@dataclass(frozen=True)
class Service:
    """One provider, once, with the first evidence of each kind."""

    provider: Provider
    evidence: ServiceUse  # the strongest, earliest evidence in product code (or in tests, if only there)
    files: int
    only_in_tests: bool


def summarise(uses: list[ServiceUse]) -> list[Service]:
    """One entry per provider, product code before tests, by name."""
    by_provider: dict[str, list[ServiceUse]] = {}
    for use in uses:
        by_provider.setdefault(use.provider.name, []).append(use)
    out: list[Service] = []
    for name in sorted(by_provider):
        items = by_provider[name]
        product = [u for u in items if not u.in_tests]
        pool = product or items
        best = min(pool, key=lambda u: (-u.strength, u.path, u.line))
        out.append(Service(best.provider, best, len({u.path for u in pool}), not product))
    return _drop_router_if_resolved(out)


def _drop_router_if_resolved(services: list[Service]) -> list[Service]:
    """LiteLLM is a router: where the code also names the providers it routes to, those are the services."""
    router = BY_NAME["LiteLLM (provider chosen at run time)"]
    models = [s for s in services if s.provider is not router and s.provider.kind != "vector database"]
    return [s for s in services if s.provider is not router or not models]


def matches_declaration(
    provider: Provider, name: str | None, declared_provider: str | None, url: str | None
) -> bool:
    """Whether an ``external_apis`` entry declares this provider: by its name or provider (ignoring case,
    spaces and punctuation; "Azure OpenAI" is not "OpenAI"), or by a host in its URL."""

    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    names = {norm(provider.name), *(norm(x) for x in provider.prefixes)}
    if any(text is not None and norm(text) in names for text in (name, declared_provider)):
        return True
    found = provider_at(url) if url is not None else None
    return found is not None and found.name == provider.name


MAX_SOURCE_BYTES = 2 * 1024 * 1024  # larger files are generated code, as in ``aicop code``


def uses_in_repository(root: Path, paths: list[str]) -> list[ServiceUse]:
    """Evidence from every Python file, notebook and package.json among ``paths`` (relative to ``root``);
    an unreadable or oversized file gives none (``aicop code`` reports those)."""
    uses: list[ServiceUse] = []
    for rel in paths:
        if "node_modules/" in rel or not (
            rel.endswith((".py", ".ipynb", "package.json")) or SETTINGS_FILE.match(rel.rsplit("/", 1)[-1])
        ):
            continue
        full = root / rel
        try:
            if full.is_symlink() or full.stat().st_size > MAX_SOURCE_BYTES:
                continue
            text = full.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        uses += uses_in_file(rel, text)
    return uses
