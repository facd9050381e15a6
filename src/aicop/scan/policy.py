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
# Grown from the benign corpus (benchmarks/benign_corpus.py: what 17 libraries really save), one family
# at a time; every name is data-only: calling it, with any arguments a pickle can give, builds a value
# in memory and opens no file, socket or process, imports nothing by name and runs no string as code.
SAFE_EXACT = SAFE_EXACT | frozenset(
    {
        # Attribute bags and value types of the standard library, saved in countless training
        # checkpoints (argparse's parsed arguments, types.SimpleNamespace configs, random.Random's
        # state, Python 2's name for range).
        "argparse.Namespace",
        "types.SimpleNamespace",
        "random.Random",
        "builtins.xrange",
        "pathlib.Path",
        "pathlib.PurePath",
        # zoneinfo's own unpickler, reached as getattr(ZoneInfo, "_unpickle"): it looks a time zone key
        # up in the tz database (keys that are paths are refused by zoneinfo itself).
        "zoneinfo.ZoneInfo",
        "zoneinfo.ZoneInfo._unpickle",
        # NumPy's random generators: their Cython unpickle helpers and bit generators only restore the
        # generator's integer state; matrix, record and masked arrays are ndarray subclasses.
        "numpy.random.bit_generator.SeedSequence",
        "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
        "numpy.random._philox.Philox",
        "numpy.random._sfc64.SFC64",
        "numpy.random._pcg64.PCG64DXSM",
        "numpy._core.multiarray._reconstruct",
        "numpy.ma.MaskedArray",
        "numpy.ma.core.MaskedArray",
        "numpy.matrix",
        "numpy.rec.recarray",
        "numpy.record",
        # Pure functions that estimators keep as parameters (a pooling function, a vectorised method).
        "numpy.mean",
        "numpy.vectorize",
        # pandas 2 and 3 frames, indexes, extension arrays and dtypes, scalars and offsets, and the
        # module-level reconstructors pandas registers for them: each rebuilds a value from arrays.
        # pandas has classes that open files when built (HDFStore, ExcelWriter), so no prefix here.
        "pandas.DataFrame",
        "pandas.Series",
        "pandas.Index",
        "pandas.RangeIndex",
        "pandas.MultiIndex",
        "pandas.DatetimeIndex",
        "pandas.TimedeltaIndex",
        "pandas.PeriodIndex",
        "pandas.IntervalIndex",
        "pandas.CategoricalIndex",
        "pandas.Categorical",
        "pandas.Interval",
        "pandas.Period",
        "pandas.NA",
        "pandas.BooleanDtype",
        "pandas.CategoricalDtype",
        "pandas.DatetimeTZDtype",
        "pandas.Int64Dtype",
        "pandas.PeriodDtype",
        "pandas.SparseDtype",
        "pandas.StringDtype",
        "pandas.arrays.BooleanArray",
        "pandas.arrays.DatetimeArray",
        "pandas.arrays.IntegerArray",
        "pandas.arrays.PeriodArray",
        "pandas.arrays.SparseArray",
        "pandas.arrays.StringArray",
        "pandas.arrays.TimedeltaArray",
        "pandas._libs.arrays.__pyx_unpickle_NDArrayBacked",
        "pandas._libs.sparse.IntIndex",
        "pandas._libs.tslibs.nattype._nat_unpickle",
        "pandas._libs.tslibs.timedeltas._timedelta_unpickle",
        "pandas.core.indexes.datetimes._new_DatetimeIndex",
        "pandas.core.indexes.interval._new_IntervalIndex",
        "pandas.core.indexes.timedeltas._new_TimedeltaIndex",
        # SciPy's spatial trees, interpolators, rotations and optimisation results hold arrays; the
        # interpolator's method is named by getattr; asarray converts.
        "scipy.spatial._kdtree.KDTree",
        "scipy.spatial._ckdtree.cKDTree",
        "scipy.spatial.transform._rotation.Rotation",
        "scipy.interpolate._bsplines.BSpline",
        "scipy.interpolate._cubic.CubicSpline",
        "scipy.interpolate._interpolate.interp1d",
        "scipy.interpolate._interpolate.interp1d._call_linear_np",
        "scipy.optimize._optimize.OptimizeResult",
        "scipy.optimize._lbfgsb_py.LbfgsInvHessProduct",
        "scipy._lib.array_api_compat.numpy._aliases.asarray",
        "scipy.stats._distn_infrastructure.rv_continuous_frozen",
        "scipy.stats._distn_infrastructure.rv_discrete_frozen",
        # scikit-learn functions fitted estimators keep as parameters or caches (score functions, the
        # k-means kernel) and its Cython helpers that allocate a tree or metric of a given class.
        "sklearn.cluster._kmeans._kmeans_single_lloyd",
        "sklearn.feature_selection._univariate_selection.f_classif",
        "sklearn.metrics._dist_metrics.newObj",
        "sklearn.neighbors._kd_tree.newObj",
        "sklearn.neighbors._ball_tree.newObj",
        # Hugging Face training arguments (training_args.bin): dataclasses and enums of settings.
        "transformers.training_args.TrainingArguments",
        "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
        "transformers.training_args.OptimizerNames",
        "transformers.trainer_utils.HubStrategy",
        "transformers.trainer_utils.IntervalStrategy",
        "transformers.trainer_utils.SaveStrategy",
        "transformers.trainer_utils.SchedulerType",
        "transformers.trainer_pt_utils.AcceleratorConfig",
        "transformers.activations.GELUActivation",
        "accelerate.utils.dataclasses.DistributedType",
        "accelerate.state.PartialState",  # only rebuilt, never called: see RECONSTRUCT_ONLY
        # river keeps a factory method as a defaultdict's default (never called while loading).
        "river.naive_bayes.gaussian.GaussianNB._make_gaussian",
    }
)
# Classes that are data when pickle rebuilds them (NEWOBJ or copyreg: __new__, then their state) but
# not when called with arguments (REDUCE): accelerate's PartialState starts torch.distributed when
# constructed. A pickle that calls one is reported as an unknown import.
RECONSTRUCT_ONLY = frozenset({"accelerate.state.PartialState"})


class _Lazy:
    """A pattern compiled when first used: ``aicop scan FILE`` runs once per file in CI loops, and
    compiling the allow-list's ten patterns at import was a quarter of its start-up (~10 ms; most
    files need one or none of them)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None
        # The literal a name must start with for an anchored pattern to match it ("torch." for
        # "^torch\\.(...)"): most names are ruled out without compiling anything.
        head = re.match(r"\^((?:\w|\\\.)+)(.?)", pattern)
        literal = head.group(1) if head else ""
        if head and head.group(2) in ("?", "*", "+", "{"):
            literal = literal[:-2] if literal.endswith("\\.") else literal[:-1]
        self.prefix = literal.replace("\\.", ".")

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def match(self, text: str) -> re.Match[str] | None:
        if not text.startswith(self.prefix):
            return None
        return self.compiled.match(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)


# Torch dtypes, layouts and storages are module attributes (torch.float32, torch.FloatStorage, …).
_TORCH_ATTRIBUTE = _Lazy(
    r"^torch\.((u?int|float|bfloat|complex|q?u?int)\d*|bool|half|double|long|short|cfloat|cdouble|qint8|quint8|"
    r"qint32|quint4x2|float8_\w+|strided|sparse_coo|sparse_csr|contiguous_format|channels_last|preserve_format|"
    r"per_tensor_affine|per_channel_affine|\w+Storage)$"
)
# NumPy scalar types and (NumPy 2) dtype classes: pickles of estimators name them as dtypes.
_NUMPY_TYPE = _Lazy(
    r"^numpy\.((u?int|float|complex)(8|16|32|64|128|256)?|bool_?|str_|bytes_|object_|void|datetime64|timedelta64|"
    r"u?longlong|u?intc|u?short|u?byte|single|double|longdouble|half|c?single|c?double|clongdouble|intp|uintp|"
    r"dtypes\.\w+DType)$"
)
# Classes of these libraries only (CapWords names): constructing an estimator or layer object runs no
# code of the attacker's choosing, and its own imports are checked separately.
# numpy and pandas are not here: some of their classes open files or URLs when constructed (DataSource,
# HDFStore, ExcelWriter), so only the names in SAFE_EXACT are allowed for them.
_SAFE_CLASS_PREFIXES = (
    # scikit-learn-compatible libraries whose estimators store their parameters in __init__ and fitted
    # arrays as attributes (the scikit-learn convention), and graph and statistics containers.
    "imblearn.",
    "category_encoders.",
    "mlxtend.classifier.",
    "mlxtend.regressor.",
    "networkx.classes.",
    "river.compose.",
    "river.linear_model.",
    "river.naive_bayes.",
    "river.preprocessing.",
    "river.tree.",
    "river.optim.",
    "river.stats.",
    "river.proba.",
    "river._river_rust.vectordict.",
    # statsmodels' models, results, wrappers and Kalman filters (statsmodels.iolib reads and writes
    # files and is not here).
    "statsmodels.base.",
    "statsmodels.regression.",
    "statsmodels.discrete.",
    "statsmodels.genmod.",
    "statsmodels.robust.",
    "statsmodels.tsa.",
    "statsmodels.tools.tools.",
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
# Distribution objects of scipy.stats (norm_gen, poisson_gen, …) and the private computing methods a
# frozen distribution caches through getattr (_entropy; not public ones such as expect(func)); torch's
# functional activations kept by layers (relu, gelu): pure functions.
_SCIPY_DISTRIBUTION = _Lazy(r"^scipy\.stats\._(continuous|discrete)_distns\.[a-z]\w*_gen(\._[a-z]\w*)?$")
# pandas' date offsets (Day, MonthEnd, BusinessDay, …): date arithmetic values that frequencies and
# time-zone-aware indexes carry; statsmodels' Cython state-space classes in their four precisions.
_PANDAS_OFFSET = _Lazy(r"^pandas\._libs\.tslibs\.offsets\.[A-Z]\w*$")
_STATESPACE = _Lazy(r"^statsmodels\.tsa\.statespace\._\w+\.[cdsz][A-Z]\w*$")
_TORCH_FUNCTIONAL = _Lazy(r"^torch\.nn\.functional\.[a-z]\w*$")
# Cython's generated unpickle helper of a class of an allowed library (it checks the class layout's
# checksum, then restores the fields): scikit-learn's losses, trees and metrics.
_CYTHON_UNPICKLE = _Lazy(r"^sklearn\.[\w.]+\.__pyx_unpickle_\w+$")
_NOT_LIBRARY_CODE = _Lazy(r"\.(_?testing|tests?|datasets|conftest)(\.|$)")
_CLASS_NAME = _Lazy(r"^_?[A-Z][A-Za-z0-9_]*$")
_SCIPY_SPARSE = _Lazy(r"^scipy\.sparse\.[\w.]*\.?(csr|csc|coo|bsr|dia|dok|lil)_(matrix|array)$")

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


# The one data-only member of a module denied as a whole (types builds code and function objects).
_SAFE_IN_DANGEROUS_MODULE = frozenset({"types.SimpleNamespace"})


class Verdict(Enum):
    SAFE = "safe"
    DANGEROUS = "dangerous"
    UNKNOWN = "unknown"


class Decision:
    __slots__ = ("qualified", "reason", "verdict")

    def __init__(self, verdict: Verdict, qualified: str, reason: str) -> None:
        self.verdict, self.qualified, self.reason = verdict, qualified, reason


MALFORMED = ("unsafe", "error")


class Policy:
    """The built-in lists, extended by an organisation's policy file (``--policy``), and what to make of
    a file that claims a model format but does not parse as it (``malformed``)."""

    __slots__ = ("allow", "deny", "malformed")

    def __init__(
        self, allow: set[str] | None = None, deny: dict[str, str] | None = None, malformed: str = "unsafe"
    ) -> None:
        self.allow = allow or set()
        self.deny = deny or {}
        self.malformed = malformed

    @classmethod
    def load(cls, path: Path) -> Policy:
        """A YAML file: ``allow: [module.Name, package.*]``, ``deny: {module.name: reason}`` and
        ``malformed: unsafe | error``. Errors name the line of the key at fault."""
        import yaml

        from aicop.errors import InputError

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read policy: {err}", path=path) from err
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise InputError(
                f"invalid YAML: {getattr(err, 'problem', None) or err}", path=path, line=line
            ) from err
        lines: dict[object, int] = {}
        if isinstance(node, yaml.MappingNode):
            lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}
        if not isinstance(data, dict):
            raise InputError(
                "a policy is a mapping with the keys allow, deny and malformed", path=path, line=1
            )
        for key in data:
            if key not in ("allow", "deny", "malformed"):
                raise InputError(
                    f"unknown key {key!r}: a policy has only 'allow' (a list), 'deny' (a mapping) and "
                    "'malformed' (unsafe or error)",
                    path=path,
                    line=lines.get(key),
                )
        allow, deny = data.get("allow") or [], data.get("deny") or {}
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise InputError(
                "'allow' must be a list of module.name strings", path=path, line=lines.get("allow")
            )
        if not isinstance(deny, dict) or not all(isinstance(k, str) for k in deny):
            raise InputError(
                "'deny' must map module.name strings to reasons", path=path, line=lines.get("deny")
            )
        malformed = data.get("malformed", "unsafe")
        if malformed not in MALFORMED:
            raise InputError(
                f"'malformed' must be 'unsafe' (a file that claims a model format and does not parse as it "
                f"is unsafe: the default) or 'error' (it is reported as not scanned), not {malformed!r}",
                path=path,
                line=lines.get("malformed"),
            )
        return cls(allow=set(allow), deny={k: str(v) for k, v in deny.items()}, malformed=malformed)

    def decide(self, module: str, name: str) -> Decision:
        module = ALIASES.get(module, module)
        qualified = f"{module}.{name}"
        reason = _match(self.deny, module, name)
        if reason is None and qualified not in _SAFE_IN_DANGEROUS_MODULE:
            reason = _match(DANGEROUS, module, name)
        if reason is not None:
            return Decision(Verdict.DANGEROUS, qualified, reason)
        if _dunder(name) or _dunder(module):
            return Decision(
                Verdict.DANGEROUS, qualified, "reaches Python internals through a dunder attribute"
            )
        if qualified in self.allow or any(a.endswith(".*") and module.startswith(a[:-2]) for a in self.allow):
            return Decision(Verdict.SAFE, qualified, "allowed by policy")
        if qualified in SAFE_EXACT or _SCIPY_DISTRIBUTION.match(qualified):
            return Decision(Verdict.SAFE, qualified, "on the allow-list")
        if "." in name:
            return Decision(
                Verdict.UNKNOWN,
                qualified,
                "attribute path inside a module (used to reach objects "
                "that BUILD has overwritten); not on the allow-list",
            )
        if qualified in SAFE_EXACT or any(
            p.match(qualified)
            for p in (
                _TORCH_ATTRIBUTE,
                _SCIPY_SPARSE,
                _NUMPY_TYPE,
                _TORCH_FUNCTIONAL,
                _CYTHON_UNPICKLE,
                _PANDAS_OFFSET,
                _STATESPACE,
            )
        ):
            return Decision(Verdict.SAFE, qualified, "on the allow-list")
        if (
            (module + ".").startswith(_SAFE_CLASS_PREFIXES)
            and _CLASS_NAME.match(name)
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
