"""AST rules over one Python module: the AI-specific ways code loads, runs and sends what it should not.

Names are resolved through the module's imports (``import torch as T; T.load`` is ``torch.load``), and a
small provenance tracker follows values through assignments, path joins and attribute reads far enough
to tell a downloaded file, a user upload or model output from a constant local path. The source is
parsed with ``ast``; nothing is imported or run.
"""

from __future__ import annotations

import ast
import re

from aicop.sourcecheck.model import CodeFinding
from aicop.sourcecheck.rules import Level
from aicop.sourcecheck.services import provider_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# Where a value came from, best to worst.
LOCAL, PARAM, UNKNOWN, MODEL_OUTPUT, DOWNLOADED, USER_INPUT = range(6)
PROVENANCE = {
    LOCAL: "a constant local path",
    PARAM: "a function argument",
    UNKNOWN: "a value of unknown origin",
    MODEL_OUTPUT: "model output",
    DOWNLOADED: "downloaded content",
    USER_INPUT: "user input",
}

DOWNLOADERS = {
    "huggingface_hub.hf_hub_download",
    "huggingface_hub.snapshot_download",
    "huggingface_hub.cached_download",
    "urllib.request.urlretrieve",
    "urllib.request.urlopen",
    "requests.get",
    "requests.post",
    "requests.request",
    "httpx.get",
    "httpx.post",
    "wget.download",
    "gdown.download",
    "torch.hub.load_state_dict_from_url",
    "tensorflow.keras.utils.get_file",
    "keras.utils.get_file",
    "aiohttp.ClientSession.get",
}
DOWNLOAD_NAMES = {
    "hf_hub_download",
    "snapshot_download",
    "cached_download",
    "urlretrieve",
    "urlopen",
    "get_file",
}
MODEL_OUTPUT_ATTRS = {
    "generate",
    "generate_content",
    "invoke",
    "ainvoke",
    "predict",
    "run",
    "arun",
    "decode",
    "batch_decode",
    "complete",
    "chat",
    "stream",
    "query",
}
USER_INPUT_ATTRS = {"files", "form", "args", "json", "data", "get_json", "get_data", "values", "body"}

PICKLE_LOADERS = {
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "_pickle.load",
    "_pickle.loads",
    "cPickle.load",
    "cPickle.loads",
    "dill.load",
    "dill.loads",
    "cloudpickle.load",
    "cloudpickle.loads",
    "joblib.load",
    "jsonpickle.decode",
    "shelve.open",
    "pandas.read_pickle",
    "sklearn.externals.joblib.load",
    "torch.serialization.load",
}
KERAS_LOADERS = (
    "keras.models.load_model",
    "keras.saving.load_model",
    "tensorflow.keras.models.load_model",
    "tf_keras.models.load_model",
)
REMOTE_LOADERS = {
    "from_pretrained",
    "hf_hub_download",
    "snapshot_download",
    "load_dataset",
    "SentenceTransformer",
    "CrossEncoder",
    "pipeline",
    "AutoModel",
    "hf_hub_url",
}
# datasets' packaged builders: load_dataset("csv", data_files=...) reads files, it downloads nothing.
PACKAGED_BUILDERS = frozenset(
    {
        "json",
        "csv",
        "parquet",
        "text",
        "arrow",
        "pandas",
        "sql",
        "imagefolder",
        "audiofolder",
        "videofolder",
        "webdataset",
        "generator",
        "xml",
        "pdffolder",
    }
)
COMMIT = re.compile(r"^[0-9a-f]{40}$")

FRAMEWORKS = ("langchain", "llama_index", "autogen", "crewai", "smolagents", "haystack", "semantic_kernel")
PRIVILEGED_TOOLS = {
    "ShellTool": "a shell",
    "BashProcess": "a shell",
    "PythonREPLTool": "a Python REPL",
    "PythonAstREPLTool": "a Python REPL",
    "PythonREPL": "a Python REPL",
    "WriteFileTool": "file writes",
    "FileManagementToolkit": "file reads, writes and deletes",
    "RequestsGetTool": "arbitrary URL fetches",
    "RequestsPostTool": "arbitrary URL posts",
    "RequestsToolkit": "arbitrary HTTP requests",
    "CodeInterpreterToolSpec": "code execution",
    "CodeInterpreterTool": "code execution",
    "create_python_agent": "a Python REPL",
    "PythonInterpreterTool": "code execution",
}
DANGEROUS_TOOL_NAMES = {
    "terminal": "a shell",
    "python_repl": "a Python REPL",
    "requests_all": "arbitrary HTTP requests",
    "requests_get": "arbitrary URL fetches",
    "requests_post": "arbitrary URL posts",
    "shell": "a shell",
    "bash": "a shell",
}
SIGNATURE_WORDS = ("UploadFile", "Request", "RateLimiter")  # what the analyzer looks for in signatures
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "api_route", "route", "websocket"}
MODEL_CALL_ATTRS = {
    "create",
    "generate",
    "generate_content",
    "invoke",
    "ainvoke",
    "predict",
    "predict_proba",
    "encode",
    "embed_query",
    "embed_documents",
    "complete",
    "acomplete",
    "chat",
    "achat",
    "stream",
    "astream",
    "run",
    "arun",
    "forward",
}


# Nodes whose children can hold nothing the analyzer acts on (no call, assignment, import or function):
# the traversal does not descend into them. Expression contexts, operators and constants are most of
# a tree's nodes.
_LEAVES = frozenset(
    {
        ast.Name,
        ast.Constant,
        ast.Load,
        ast.Store,
        ast.Del,
        ast.alias,
        ast.Pass,
        ast.Break,
        ast.Continue,
        ast.Global,
        ast.Nonlocal,
        *(
            c
            for c in vars(ast).values()
            if isinstance(c, type) and issubclass(c, ast.operator | ast.unaryop | ast.cmpop | ast.boolop)
        ),
    }
)


class Analyzer(ast.NodeVisitor):
    """One depth-first pass over a module. ``visit`` and ``generic_visit`` replace ``NodeVisitor``'s:
    the same order, with the handler looked up once per node class and leaves not descended into
    (the stock visitor's ``iter_fields`` and per-node ``getattr`` were half of ``aicop assess``'s time
    on a project of 850 modules)."""

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        handler = _HANDLERS.get(kind)
        if handler is None:
            handler = _HANDLERS[kind] = getattr(Analyzer, "visit_" + kind.__name__, Analyzer.generic_visit)
        handler(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _LEAVES:
                        self.visit(item)
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                self.visit(value)

    def __init__(
        self, path: str, model_functions: set[str] | None = None, module: str = "", source: str | None = None
    ) -> None:
        self.path = path
        # Words whose absence from the whole source spares rendering signatures back to text (``unparse``
        # of every argument's annotation was a tenth of the analysis): all of them when it is not given.
        self._mentions = frozenset(w for w in SIGNATURE_WORDS if source is None or w in source)
        self.module = module
        self.aliases: dict[str, str] = {}  # local name → qualified module or object
        self.scopes: list[dict[str, int]] = [{}]
        self.findings: list[CodeFinding] = []
        self.model_functions = model_functions or set()  # qualified names of functions that call models
        self.calls_model: set[str] = set()  # functions of this module that call a model
        self.routes: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool]] = []  # (route, limited)
        self.global_limiter = False
        self.calls: dict[str, set[str]] = {}  # top-level function → qualified names it calls
        self.defined: set[str] = set()  # top-level functions of this module
        self._function: list[str] = []

    # ------------------------------------------------------------------ names
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:  # relative: resolve against this module's package
            package = self.module.rsplit(".", node.level)[0] if self.module.count(".") >= node.level else ""
            base = ".".join(p for p in (package, node.module or "") if p)
        else:
            base = node.module or ""
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    def qualified(self, node: ast.expr) -> str:
        """``torch.load`` for ``T.load`` after ``import torch as T``; '' when it is not a dotted name."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call):  # OpenAI().chat… → the class's name stands for the object
            inner = self.qualified(node.func)
            return ".".join([inner, *reversed(parts)]) if inner else ""
        if not isinstance(node, ast.Name):
            return ""
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])

    # ------------------------------------------------------------------ provenance
    def provenance(self, node: ast.expr | None) -> int:
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return LOCAL
        if isinstance(node, ast.JoinedStr):
            return max(
                (self.provenance(v.value) for v in node.values if isinstance(v, ast.FormattedValue)),
                default=LOCAL,
            )
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
            return UNKNOWN
        if isinstance(node, ast.BinOp):
            return max(self.provenance(node.left), self.provenance(node.right))
        if isinstance(node, ast.Attribute):
            base = self.provenance(node.value)
            if self.qualified(node.value).endswith("request") and node.attr in USER_INPUT_ATTRS:
                return USER_INPUT
            return base if base != LOCAL else UNKNOWN
        if isinstance(node, ast.Subscript):
            return self.provenance(node.value)
        if isinstance(node, ast.Await):
            return self.provenance(node.value)
        if isinstance(node, ast.Call):
            return self._call_provenance(node)
        return UNKNOWN

    def _call_provenance(self, node: ast.Call) -> int:
        name = self.qualified(node.func)
        last = name.rsplit(".", 1)[-1]
        if name in DOWNLOADERS or last in DOWNLOAD_NAMES:
            return DOWNLOADED
        if isinstance(node.func, ast.Attribute):
            if node.func.attr in ("read", "json", "text", "content", "getvalue") or name.endswith(
                "request.get_json"
            ):
                return self.provenance(node.func.value)
            if (
                node.func.attr in MODEL_OUTPUT_ATTRS
                or name.endswith("completions.create")
                or name.endswith("messages.create")
            ):
                return MODEL_OUTPUT
        if last in (
            "join",
            "Path",
            "PurePath",
            "str",
            "BytesIO",
            "StringIO",
            "open",
            "abspath",
            "expanduser",
            "normpath",
            "realpath",
            "format",
            "strip",
        ):
            args = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(node.func, ast.Attribute) and last in ("format", "strip", "join"):
                args.append(node.func.value)
            return max((self.provenance(a) for a in args), default=UNKNOWN)
        return UNKNOWN

    def assign(self, target: ast.expr, value: int) -> None:
        if isinstance(target, ast.Name):
            self.scopes[-1][target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            for item in target.elts:
                self.assign(item, value)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        value = self.provenance(node.value)
        for target in node.targets:
            self.assign(target, value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if node.value is not None:
            self.assign(node.target, self.provenance(node.value))

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self.assign(item.optional_vars, self.provenance(item.context_expr))
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    # ------------------------------------------------------------------ functions and routes
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not self._function:
            self.defined.add(node.name)
        scope: dict[str, int] = {}
        inputs = ("UploadFile", "Request")
        typed = any(w in self._mentions for w in inputs)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            annotation = ast.unparse(arg.annotation) if typed and arg.annotation is not None else ""
            scope[arg.arg] = USER_INPUT if any(w in annotation for w in inputs) else PARAM
        self.scopes.append(scope)
        self._function.append(node.name)
        self.generic_visit(node)
        self._function.pop()
        self.scopes.pop()
        route, limited = self._route(node)
        if route:
            self.routes.append((node, limited))

    visit_AsyncFunctionDef = visit_FunctionDef

    def _route(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, bool]:
        route = limited = False
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            func = call.func if call is not None else decorator
            if isinstance(func, ast.Attribute) and func.attr in ROUTE_DECORATORS:
                route = True
                for keyword in call.keywords if call is not None else []:
                    if keyword.arg == "dependencies" and "RateLimiter" in ast.unparse(keyword.value):
                        limited = True
            if isinstance(func, ast.Attribute) and func.attr in ("limit", "shared_limit"):
                limited = True
        if "RateLimiter" in self._mentions and "RateLimiter" in ast.unparse(node.args):
            limited = True
        return route, limited

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        name = self.qualified(node.func)
        last = (
            name.rsplit(".", 1)[-1]
            if name
            else (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        )
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        self._deserialisation(node, name, last, keywords)
        self._remote_code(node, name, last, keywords)
        self._pinning(node, name, last, keywords)
        self._tools(node, name, last, keywords)
        if name.endswith(("Limiter", "SlowAPIMiddleware")) and (
            "default_limits" in keywords or name.endswith("SlowAPIMiddleware")
        ):
            self.global_limiter = True
        if self._function:
            if self._is_model_call(node, name, last):
                self.calls_model.add(self._function[0])
            if name:
                self.calls.setdefault(self._function[0], set()).add(name)

    def _is_model_call(self, node: ast.Call, name: str, last: str) -> bool:
        """A call that reaches a model: an LLM client or framework class, a function of the project that
        does, or a model-shaped method (generate, invoke, completions.create…) on a model-shaped object."""
        if name in self.model_functions or name == "transformers.pipeline":
            return True
        provider = provider_of(name) if name else None
        if provider is not None and provider.kind != "vector database":
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in MODEL_CALL_ATTRS:
            chain = (name or ast.unparse(node.func)).lower()
            return any(
                k in chain
                for k in (
                    "completions",
                    "messages",
                    "model",
                    "llm",
                    "chain",
                    "client",
                    "pipe",
                    "generator",
                    "embedder",
                    "agent",
                    "chat",
                )
            )
        return False

    def _add(self, rule: str, node: ast.AST, message: str, level: Level | None = None) -> None:
        self.findings.append(
            CodeFinding(
                rule,
                self.path,
                getattr(node, "lineno", 1),
                getattr(node, "col_offset", 0) + 1,
                message,
                level,
            )
        )

    def _first_arg(self, node: ast.Call, keyword: str, keywords: dict[str, ast.expr]) -> ast.expr | None:
        if node.args:
            return node.args[0]
        return keywords.get(keyword)

    def _deserialisation(self, node: ast.Call, name: str, last: str, keywords: dict[str, ast.expr]) -> None:
        source = self._first_arg(node, "f", keywords)
        origin = self.provenance(source)
        level = _level_for(origin)
        where = PROVENANCE[origin]
        if name in ("torch.load", "torch.serialization.load"):
            weights_only = keywords.get("weights_only")
            if _is_true(weights_only) or (weights_only is None and _passes_kwargs(node)):
                return
            if weights_only is not None and not isinstance(weights_only, ast.Constant):
                return  # passed through from the caller, who decides
            if weights_only is not None:
                self._add(
                    "AIC101",
                    node,
                    f"torch.load(weights_only=False) unpickles {where}, which runs any code it carries",
                    max(level, Level.HIGH),
                )
            else:
                self._add(
                    "AIC101",
                    node,
                    f"torch.load of {where} without weights_only=True unpickles it on "
                    "torch < 2.6 (and wherever the default is changed back)",
                    level,
                )
        elif name in PICKLE_LOADERS:
            if isinstance(source, ast.Call) and self.qualified(source.func).endswith(".dumps"):
                return  # a copy made by round-tripping an object of this process
            self._add("AIC102", node, f"{name} of {where}: unpickling runs any code the data carries", level)
        elif name in ("numpy.load",) and _is_true(keywords.get("allow_pickle")):
            self._add(
                "AIC103", node, f"numpy.load(allow_pickle=True) of {where} unpickles object arrays", level
            )
        elif name in ("yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.unsafe_load_all"):
            loader = keywords.get("Loader") or (node.args[1] if len(node.args) > 1 else None)
            loader_name = self.qualified(loader) if loader is not None else ""
            if (
                name.startswith("yaml.unsafe")
                or loader is None
                or loader_name.rsplit(".", 1)[-1] in ("Loader", "UnsafeLoader", "FullLoader")
            ):
                self._add(
                    "AIC104",
                    node,
                    f"{name} of {where} without SafeLoader can construct Python objects",
                    level,
                )
        elif _is_keras_loader(name, last) and _is_false(keywords.get("safe_mode")):
            self._add(
                "AIC105",
                node,
                f"load_model(safe_mode=False) of {where} runs Lambda-layer code",
                max(level, Level.HIGH),
            )
        if _is_true(keywords.get("allow_dangerous_deserialization")):
            self._add(
                "AIC106",
                node,
                f"{last or 'this call'}(allow_dangerous_deserialization=True) unpickles the index it loads",
            )

    def _remote_code(self, node: ast.Call, name: str, last: str, keywords: dict[str, ast.expr]) -> None:
        if _is_true(keywords.get("trust_remote_code")):
            self._add(
                "AIC201",
                node,
                f"{last or 'this call'}(trust_remote_code=True) runs Python code from the model repository",
            )
        if name == "torch.hub.load":
            self._add(
                "AIC203", node, "torch.hub.load imports and runs hubconf.py from the repository it names"
            )
        if (
            name in ("eval", "exec", "builtins.eval", "builtins.exec")
            or name
            in (
                "os.system",
                "os.popen",
                "subprocess.run",
                "subprocess.call",
                "subprocess.Popen",
                "subprocess.check_output",
                "subprocess.check_call",
            )
        ) and node.args:
            origin = self.provenance(node.args[0])
            if isinstance(node.args[0], ast.Constant):
                return
            if origin in (MODEL_OUTPUT, DOWNLOADED, USER_INPUT):
                self._add(
                    "AIC202",
                    node,
                    f"{name} of {PROVENANCE[origin]}: whoever shapes it runs code here",
                    Level.CRITICAL,
                )
            elif name in ("eval", "exec", "builtins.eval", "builtins.exec") and origin != LOCAL:
                # exec(open("configurator.py").read()) runs a file of the repository: code, not input
                self._add("AIC202", node, f"{name} of {PROVENANCE[origin]}", Level.MEDIUM)

    def _pinning(self, node: ast.Call, name: str, last: str, keywords: dict[str, ast.expr]) -> None:
        if last not in REMOTE_LOADERS and not last.startswith("AutoModel"):
            return
        if last == "pipeline" and not self._transformers_pipeline(name):
            return  # a Redis client's or a scikit-learn pipeline, not a model download
        target = (
            keywords.get("repo_id")
            or keywords.get("pretrained_model_name_or_path")
            or keywords.get("model_name_or_path")
            or keywords.get("path")
            or keywords.get("model")
        )
        if last == "pipeline":
            if target is None and len(node.args) > 1:
                target = node.args[1]
            if target is None:
                if "revision" not in keywords and not _passes_kwargs(node):
                    task = ast.unparse(node.args[0]) if node.args else keywords.get("task") and "task"
                    self._add(
                        "AIC301", node, f"pipeline({task}) downloads the task's default model, unpinned"
                    )
                return
        elif target is None and node.args:
            target = node.args[0]
        if not isinstance(target, ast.Constant) or not isinstance(target.value, str):
            if target is not None and "revision" not in keywords and not _passes_kwargs(node):
                # A variable may name a hub repository or a local directory: pinnable only if the code
                # passes a revision through, which it does not.
                self._add(
                    "AIC301",
                    node,
                    f"{last}({ast.unparse(target)[:60]}) loads with no revision: if it "
                    "names a hub repository, what is loaded can change under you",
                    Level.LOW,
                )
            return
        repo = target.value
        if repo.startswith((".", "/", "~")) or "\\" in repo or repo.endswith((".bin", ".pt", ".safetensors")):
            return
        if last == "load_dataset" and repo in PACKAGED_BUILDERS:
            return  # load_dataset("json", data_files=...) reads local files through a built-in loader
        revision = keywords.get("revision")
        pinned = (
            isinstance(revision, ast.Constant)
            and isinstance(revision.value, str)
            and bool(COMMIT.match(revision.value))
        )
        if pinned:
            return
        detail = (
            "with no revision"
            if revision is None
            else (f"at revision {ast.unparse(revision)}, a branch or tag that can move")
        )
        self._add("AIC301", node, f"{last}({repo!r}) loads a remote model or dataset {detail}")

    def _transformers_pipeline(self, name: str) -> bool:
        """``pipeline`` resolved to transformers (or optimum's drop-in); a bare, unimported ``pipeline`` in
        a notebook cell is transformers' too, its import being in an earlier cell."""
        if name.startswith(("transformers.", "optimum.")):
            return True
        return name == "pipeline" and "pipeline" not in self.aliases and "pipeline" not in self.defined

    def _framework(self, name: str) -> bool:
        return name.split(".", 1)[0] in FRAMEWORKS or any(
            f"{f}_" in name or f"{f}." in name for f in FRAMEWORKS
        )

    def _tools(self, node: ast.Call, name: str, last: str, keywords: dict[str, ast.expr]) -> None:
        if last in PRIVILEGED_TOOLS and (self._framework(name) or name != last):
            if last == "FileManagementToolkit" and _read_only_toolkit(keywords.get("selected_tools")):
                return
            self._add("AIC601", node, f"the agent is given {PRIVILEGED_TOOLS[last]} ({last})")
        elif last == "load_tools" and node.args and isinstance(node.args[0], ast.List | ast.Tuple):
            for item in node.args[0].elts:
                if isinstance(item, ast.Constant) and item.value in DANGEROUS_TOOL_NAMES:
                    self._add(
                        "AIC601",
                        item,
                        f"load_tools gives the agent {DANGEROUS_TOOL_NAMES[item.value]} ({item.value!r})",
                    )
        elif _is_true(keywords.get("allow_dangerous_code")):
            self._add(
                "AIC601", node, f"{last}(allow_dangerous_code=True) lets the agent run Python it writes"
            )
        elif (
            last == "CodeAgent"
            and "additional_authorized_imports" in keywords
            and "'*'" in ast.unparse(keywords["additional_authorized_imports"])
        ):
            self._add("AIC601", node, "CodeAgent may import any module")
        elif (
            "code_execution_config" in keywords
            and "use_docker" in ast.unparse(keywords["code_execution_config"])
            and "False" in ast.unparse(keywords["code_execution_config"])
        ):
            self._add("AIC601", node, "the agent executes code outside a container (use_docker=False)")

    # ------------------------------------------------------------------ results
    def qualify_local(self, name: str) -> str:
        """A call of a function defined in this module, by its module-qualified name."""
        return f"{self.module}.{name}" if name in self.defined and "." not in name else name


_HANDLERS: dict[type[ast.AST], Callable[[Analyzer, Any], None]] = {}  # node class → Analyzer's method


def _passes_kwargs(node: ast.Call) -> bool:
    """``f(x, **kwargs)`` may carry a revision the caller chose."""
    return any(k.arg is None for k in node.keywords)


def _is_keras_loader(name: str, last: str) -> bool:
    return name.endswith(KERAS_LOADERS) or (last == "load_model" and "keras" in name)


def _level_for(origin: int) -> Level:
    if origin in (DOWNLOADED, USER_INPUT, MODEL_OUTPUT):
        return Level.CRITICAL
    if origin in (UNKNOWN, PARAM):
        return Level.HIGH
    return Level.MEDIUM


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _read_only_toolkit(selected: ast.expr | None) -> bool:
    if not isinstance(selected, ast.List | ast.Tuple):
        return False
    names = {e.value for e in selected.elts if isinstance(e, ast.Constant)}
    return bool(names) and names <= {"read_file", "list_directory", "file_search"}
