"""Which callables a pickle may import: an allow-list of what real checkpoints use, a deny-list that
says why a callable is dangerous, and everything else reported as unknown (unsafe unless the
organisation's policy allows it).

A deny-list alone is what the published bypasses of other scanners defeat (importlib, marshal,
pkgutil.resolve_name, timeit, ensurepip, numpy.f2py, …): here the deny-list only supplies the
explanation, and the verdict comes from the allow-list.
"""

from __future__ import annotations

import re
from enum import Enum

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from pathlib import Path

# Python 2 and platform aliases that pickles may name instead of the canonical module.
ALIASES = {
    "__builtin__": "builtins",
    "copy_reg": "copyreg",
    "posix": "os",
    "nt": "os",
    "_operator": "operator",
    "_io": "io",
    "cPickle": "pickle",
    "_pickle": "pickle",
    "_codecs": "codecs",
    "_collections": "collections",
}

SAFE_EXACT = frozenset(
    {
        # containers and values
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.deque",
        "collections.Counter",
        "builtins.set",
        "builtins.frozenset",
        "builtins.slice",
        "builtins.range",
        "builtins.complex",
        "builtins.bytearray",
        "builtins.bytes",
        "builtins.list",
        "builtins.dict",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.str",
        "builtins.object",
        "builtins.NoneType",
        "builtins.Ellipsis",
        "copyreg._reconstructor",
        "copyreg.__newobj__",
        "copyreg.__newobj_ex__",
        "codecs.encode",
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "datetime.timezone",
        "decimal.Decimal",
        "fractions.Fraction",
        "uuid.UUID",
        "re._compile",
        "enum.Enum",
        "pathlib.PosixPath",
        "pathlib.WindowsPath",
        "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath",
        "functools.partial",
        # PyTorch tensors, storages and dtypes
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_nested_tensor",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_wrapper_subclass",
        "torch._utils._rebuild_xla_tensor",
        "torch._tensor._rebuild_from_type_v2",
        "torch._utils._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter",
        "torch.nn.parameter.Buffer",
        "torch.Size",
        "torch.device",
        "torch.Tensor",
        "torch.storage.TypedStorage",
        "torch.storage.UntypedStorage",
        "torch.serialization._get_layout",
        "torch._C._nn.gelu",
        # NumPy arrays, dtypes and scalars (numpy 1 and 2 module paths)
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
        "numpy.ma.core._mareconstruct",
        "numpy.ma.core.MaskedArray",
        "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__bit_generator_ctor",
        "numpy.random._pickle.__generator_ctor",
        "numpy.random.mtrand.RandomState",
        "numpy.random._mt19937.MT19937",
        "numpy.random._pcg64.PCG64",
        # joblib's array wrappers (arrays are written beside the pickle, not inside it)
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "joblib.numpy_pickle_compat.NDArrayWrapper",
        "joblib.numpy_pickle_compat.ZNDArrayWrapper",
        # pandas frames and indexes
        "pandas.core.frame.DataFrame",
        "pandas.core.series.Series",
        "pandas.core.internals.managers.BlockManager",
        "pandas.core.internals.managers.SingleBlockManager",
        "pandas._libs.internals._unpickle_block",
        "pandas.core.indexes.base._new_Index",
        "pandas.core.indexes.base.Index",
        "pandas.core.indexes.range.RangeIndex",
        "pandas._libs.tslibs.timestamps._unpickle_timestamp",
        "pandas.core.arrays.categorical.Categorical",
    }
)
# Torch dtypes, layouts and storages are module attributes (torch.float32, torch.FloatStorage, …).
_TORCH_ATTRIBUTE = re.compile(
    r"^torch\.((u?int|float|bfloat|complex|q?u?int)\d*|bool|half|double|long|short|cfloat|cdouble|qint8|quint8|"
    r"qint32|quint4x2|float8_\w+|strided|sparse_coo|sparse_csr|contiguous_format|channels_last|preserve_format|"
    r"per_tensor_affine|per_channel_affine|\w+Storage)$"
)
# NumPy scalar types and (NumPy 2) dtype classes: pickles of estimators name them as dtypes.
_NUMPY_TYPE = re.compile(
    r"^numpy\.((u?int|float|complex)(8|16|32|64|128|256)?|bool_?|str_|bytes_|object_|void|datetime64|timedelta64|"
    r"u?longlong|u?intc|u?short|u?byte|single|double|longdouble|half|c?single|c?double|clongdouble|intp|uintp|"
    r"dtypes\.\w+DType)$"
)
# Classes of these libraries only (CapWords names): constructing an estimator or layer object runs no
# code of the attacker's choosing, and its own imports are checked separately.
# numpy and pandas are not here: some of their classes open files or URLs when constructed (DataSource,
# HDFStore, ExcelWriter), so only the names in SAFE_EXACT are allowed for them.
_SAFE_CLASS_PREFIXES = (
    "torch.nn.modules.",
    "sklearn.",
    "xgboost.",
    "lightgbm.",
    "catboost.",
    "scipy.sparse.",
    "torch.optim.",
    "torchvision.models.",
    "transformers.models.",
)
_NOT_LIBRARY_CODE = re.compile(r"\.(_?testing|tests?|datasets|conftest)(\.|$)")
_CLASS_NAME = re.compile(r"^_?[A-Z][A-Za-z0-9_]*$")
_SCIPY_SPARSE = re.compile(r"^scipy\.sparse\.[\w.]*\.?(csr|csc|coo|bsr|dia|dok|lil)_(matrix|array)$")

# Why each dangerous callable is dangerous. Module-wide entries end in ".*".
DANGEROUS = {
    "os.*": "runs shell commands or touches the file system",
    "subprocess.*": "runs programs",
    "pty.*": "spawns a shell",
    "commands.*": "runs shell commands",
    "popen2.*": "runs programs",
    "sys.*": "changes the interpreter (modules, paths, hooks)",
    "builtins.eval": "evaluates arbitrary Python",
    "builtins.exec": "executes arbitrary Python",
    "builtins.compile": "compiles arbitrary Python",
    "builtins.__import__": "imports any module",
    "builtins.getattr": "reaches any attribute, e.g. os.system from a module object",
    "builtins.setattr": "overwrites attributes of imported objects",
    "builtins.delattr": "deletes attributes",
    "builtins.globals": "exposes the interpreter's globals",
    "builtins.locals": "exposes local variables",
    "builtins.vars": "exposes an object's namespace",
    "builtins.open": "reads or writes files",
    "builtins.input": "blocks on input",
    "builtins.breakpoint": "starts a debugger",
    "builtins.type": "creates classes at load time",
    "builtins.memoryview": "exposes raw memory",
    "builtins.help": "starts the interactive help (pager runs a program)",
    "importlib.*": "imports any module by name",
    "imp.*": "imports any module by name",
    "pkgutil.*": "resolves and imports any module by name",
    "runpy.*": "runs modules as scripts",
    "pydoc.*": "imports by name and runs a pager",
    "code.*": "runs an interactive interpreter",
    "codeop.*": "compiles Python",
    "marshal.*": "loads code objects",
    "types.*": "builds code and functions",
    "pickle.*": "nested deserialisation",
    "dill.*": "nested deserialisation that can carry code",
    "cloudpickle.*": "nested deserialisation that can carry code",
    "shelve.*": "nested deserialisation",
    "joblib.load": "nested deserialisation",
    "torch.load": "nested deserialisation",
    "torch.storage._load_from_bytes": "nested torch.load of embedded bytes",
    "torch.jit.*": "loads TorchScript",
    "torch.hub.*": "downloads and runs code",
    "torch.package.*": "imports packaged code",
    "torch.serialization.load": "nested deserialisation",
    "numpy.load": "nested deserialisation (allow_pickle)",
    "numpy.testing._private.utils.runstring": "executes a string of Python",
    "numpy.f2py.*": "evaluates expressions while parsing Fortran",
    "numpy.distutils.*": "runs build commands",
    "ctypes.*": "calls native code",
    "_ctypes.*": "calls native code",
    "cffi.*": "calls native code",
    "socket.*": "opens network connections",
    "ssl.*": "opens network connections",
    "http.*": "makes network requests",
    "httplib.*": "makes network requests",
    "urllib.*": "makes network requests",
    "urllib2.*": "makes network requests",
    "requests.*": "makes network requests",
    "aiohttp.*": "makes network requests",
    "httpx.*": "makes network requests",
    "ftplib.*": "makes network requests",
    "smtplib.*": "sends mail",
    "telnetlib.*": "opens network connections",
    "xmlrpc.*": "makes remote calls",
    "webbrowser.*": "opens programs",
    "shutil.*": "copies, moves or deletes files",
    "tempfile.*": "creates files",
    "io.*": "opens files",
    "glob.*": "reads the file system",
    "distutils.*": "writes files and runs build commands",
    "setuptools.*": "runs build commands",
    "pip.*": "installs packages",
    "ensurepip.*": "installs packages",
    "venv.*": "creates environments and runs pip",
    "site.*": "changes import paths",
    "asyncio.*": "runs subprocesses and network I/O",
    "multiprocessing.*": "starts processes",
    "threading.*": "starts threads",
    "signal.*": "changes signal handling",
    "_thread.*": "starts threads",
    "timeit.*": "executes a string of Python",
    "doctest.*": "executes docstrings",
    "trace.*": "executes code",
    "profile.*": "executes a string of Python",
    "cProfile.*": "executes a string of Python",
    "pdb.*": "starts a debugger that executes code",
    "bdb.*": "executes code under a debugger",
    "idlelib.*": "executes code",
    "lib2to3.*": "loads grammars from files",
    "logging.config.*": "imports by name",
    "operator.attrgetter": "reaches attributes of objects, e.g. system of a module",
    "operator.methodcaller": "calls methods by name",
    "operator.itemgetter": "indexes objects by key",
    "functools.reduce": "applies functions in a chain",
    "picklescan.*": "tampers with a pickle scanner",
    "fickling.*": "tampers with a pickle scanner",
    "modelscan.*": "tampers with a model scanner",
}


class Verdict(Enum):
    SAFE = "safe"
    DANGEROUS = "dangerous"
    UNKNOWN = "unknown"


class Decision:
    __slots__ = ("qualified", "reason", "verdict")

    def __init__(self, verdict: Verdict, qualified: str, reason: str) -> None:
        self.verdict, self.qualified, self.reason = verdict, qualified, reason


class Policy:
    """The built-in lists, extended by an organisation's policy file (``--policy``)."""

    __slots__ = ("allow", "deny")

    def __init__(self, allow: set[str] | None = None, deny: dict[str, str] | None = None) -> None:
        self.allow = allow or set()
        self.deny = deny or {}

    @classmethod
    def load(cls, path: Path) -> Policy:
        """A YAML file: ``allow: [module.Name, package.*]`` and ``deny: {module.name: reason}``."""
        import yaml

        from aicop.errors import InputError

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read policy: {err}", path=path) from err
        except yaml.YAMLError as err:
            raise InputError(f"invalid YAML: {err}", path=path) from err
        if not isinstance(data, dict) or set(data) - {"allow", "deny"}:
            raise InputError("a policy has only the keys 'allow' (a list) and 'deny' (a mapping)", path=path)
        allow, deny = data.get("allow") or [], data.get("deny") or {}
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise InputError("'allow' must be a list of module.name strings", path=path)
        if not isinstance(deny, dict) or not all(isinstance(k, str) for k in deny):
            raise InputError("'deny' must map module.name strings to reasons", path=path)
        return cls(allow=set(allow), deny={k: str(v) for k, v in deny.items()})

    def decide(self, module: str, name: str) -> Decision:
        module = ALIASES.get(module, module)
        qualified = f"{module}.{name}"
        reason = _match(self.deny, module, name) or _match(DANGEROUS, module, name)
        if reason is not None:
            return Decision(Verdict.DANGEROUS, qualified, reason)
        if _dunder(name) or _dunder(module):
            return Decision(
                Verdict.DANGEROUS, qualified, "reaches Python internals through a dunder attribute"
            )
        if qualified in self.allow or any(a.endswith(".*") and module.startswith(a[:-2]) for a in self.allow):
            return Decision(Verdict.SAFE, qualified, "allowed by policy")
        if "." in name:
            return Decision(
                Verdict.UNKNOWN,
                qualified,
                "attribute path inside a module (used to reach objects "
                "that BUILD has overwritten); not on the allow-list",
            )
        if qualified in SAFE_EXACT or any(
            p.match(qualified) for p in (_TORCH_ATTRIBUTE, _SCIPY_SPARSE, _NUMPY_TYPE)
        ):
            return Decision(Verdict.SAFE, qualified, "on the allow-list")
        if (
            _CLASS_NAME.match(name)
            and module.startswith(_SAFE_CLASS_PREFIXES)
            and not _NOT_LIBRARY_CODE.search(module)
        ):
            return Decision(Verdict.SAFE, qualified, "a class of an allow-listed library")
        return Decision(
            Verdict.UNKNOWN,
            qualified,
            "not on the allow-list; allow it in a policy file if it is your own code",
        )


def _dunder(text: str) -> bool:
    return any(
        part.startswith("__")
        and part.endswith("__")
        and part not in {"__main__"}
        and not part.startswith(("__newobj", "__randomstate", "__bit_generator", "__generator"))
        for part in text.split(".")
    )


def _match(table: dict[str, str], module: str, name: str) -> str | None:
    qualified = f"{module}.{name}"
    if qualified in table:
        return table[qualified]
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        reason = table.get(".".join(parts[:i]) + ".*")
        if reason is not None:
            return reason
    return None


DEFAULT_POLICY = Policy()
