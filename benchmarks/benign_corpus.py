"""Write a corpus of benign model files the way real libraries save them, and measure aicop on it.

Two halves, run in two environments:

* ``write DIR`` runs in a virtual environment of its own (``make bench-scan-corpus`` makes it under
  benchmarks/.venv-corpus: torch 2.13.0 CPU, scikit-learn, NumPy, SciPy, pandas, joblib, LightGBM,
  XGBoost, CatBoost, statsmodels, imbalanced-learn, category_encoders, networkx, river, mlxtend,
  transformers, accelerate). Every scikit-learn estimator that fits with its defaults is fitted on
  small data; NumPy generators and random states, pandas frames and indexes, torch checkpoints that
  carry argparse namespaces, paths, UUIDs and optimizer state, gradient-boosting wrappers, statsmodels
  results, Hugging Face training arguments and accelerate's saved state are written with the library's
  own save call (pickle, joblib, torch.save, to_pickle, results.save, save_state). A library that is not
  installed is skipped and said so. DIR/labels.json records each file's library and how it was written.
* ``check DIR`` runs in aicop's environment: scans every file, prints files, libraries, false positives
  and the imports that made them unsafe, grouped by top-level module. That list is the evidence from
  which the allow-list in src/aicop/scan/policy.py grows (each entry reviewed as data-only, or not).

Nothing here is ever loaded by aicop. Usage:
    benchmarks/.venv-corpus/bin/python benchmarks/benign_corpus.py write DIR
    .venv/bin/python benchmarks/benign_corpus.py check DIR [--json FILE]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import inspect
import io
import json
import pickle
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LABELS: dict[str, dict[str, str]] = {}
OUT = Path("corpus")
SKIPPED: list[str] = []


def put(rel: str, data: bytes, library: str, how: str) -> None:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    LABELS[rel] = {"label": "benign", "library": library, "how": how}


def pickled(rel: str, obj: Any, library: str, protocols: tuple[int, ...] = (2, 4, 5)) -> None:
    for protocol in protocols:
        put(
            f"{rel}.p{protocol}.pkl",
            pickle.dumps(obj, protocol=protocol),
            library,
            f"pickle protocol {protocol}",
        )


def joblibbed(rel: str, obj: Any, library: str, compress: tuple[Any, ...] = (0, 3)) -> None:
    import joblib

    for level in compress:
        buffer = io.BytesIO()
        joblib.dump(obj, buffer, compress=level)
        put(f"{rel}.c{level}.joblib", buffer.getvalue(), library, f"joblib.dump compress={level}")


def torched(rel: str, obj: Any, library: str, *, legacy: bool = True) -> None:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    put(f"{rel}.pt", buffer.getvalue(), library, "torch.save")
    if legacy:
        buffer = io.BytesIO()
        torch.save(obj, buffer, _use_new_zipfile_serialization=False)
        put(f"{rel}.legacy.pt", buffer.getvalue(), library, "torch.save, legacy format")


@contextlib.contextmanager
def section(library: str) -> Iterator[None]:
    """A library that is not installed, or fails, is skipped and reported; the rest goes on."""
    before = len(LABELS)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except ImportError as err:
        SKIPPED.append(f"{library}: not installed ({err.name})")
    except Exception as err:
        SKIPPED.append(f"{library}: failed after {len(LABELS) - before} files ({type(err).__name__}: {err})")
    print(
        f"{library}: {len(LABELS) - before} files in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )


# --------------------------------------------------------------------------- data
def data() -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4))
    return {
        "x": x,
        "x_pos": np.abs(x) + 0.1,
        "y_cls": (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1).astype(int),
        "y_bin": (x[:, 0] > 0).astype(int),
        "y_reg": x @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(scale=0.1, size=60),
        "text": [f"document {i} about {w}" for i, w in enumerate(["cats", "dogs", "models", "data"] * 15)],
    }


# --------------------------------------------------------------------------- libraries
def sklearn_estimators(d: dict[str, Any]) -> None:
    from sklearn.base import ClassifierMixin, RegressorMixin
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.utils import all_estimators

    stand_ins = {
        "estimator": DecisionTreeClassifier(max_depth=2),
        "base_estimator": DecisionTreeClassifier(max_depth=2),
        "estimators": [("lr", LogisticRegression()), ("dt", DecisionTreeClassifier(max_depth=2))],
        "final_estimator": LogisticRegression(),
        "steps": [("lr", LogisticRegression())],
        "transformer_list": [("pca", _pca())],
        "transformers": [("pca", _pca(), [0, 1])],
    }
    written = 0
    for name, cls in all_estimators():
        kwargs = {}
        signature = inspect.signature(cls)
        required = [
            p.name
            for p in signature.parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        for param in required:
            if param not in stand_ins:
                break
            value = stand_ins[param]
            if issubclass(cls, RegressorMixin) and param in ("estimator", "base_estimator"):
                value = LinearRegression()
            if issubclass(cls, RegressorMixin) and param == "estimators":
                value = [("a", LinearRegression()), ("b", LinearRegression(fit_intercept=False))]
            kwargs[param] = value
        else:
            estimator = _fitted(cls, kwargs, d, ClassifierMixin, RegressorMixin)
            if estimator is None:
                continue
            module = cls.__module__.split(".")[1]
            pickled(f"sklearn/{module}/{name}", estimator, "scikit-learn", (5,))
            joblibbed(f"sklearn/{module}/{name}", estimator, "scikit-learn", (0,))
            written += 1
    print(f"scikit-learn: {written} estimators fitted", file=sys.stderr)


def _pca() -> Any:
    from sklearn.decomposition import PCA

    return PCA(n_components=2)


def _fitted(cls: Any, kwargs: dict[str, Any], d: dict[str, Any], classifier: type, regressor: type) -> Any:
    text = {"CountVectorizer", "TfidfVectorizer", "HashingVectorizer", "TfidfTransformer"}
    try:
        estimator = cls(**kwargs)
        if cls.__name__ in text:
            inputs = d["text"]
            if cls.__name__ == "TfidfTransformer":
                from sklearn.feature_extraction.text import CountVectorizer

                inputs = CountVectorizer().fit_transform(d["text"])
            return estimator.fit(inputs)
        if cls.__name__ in {"DictVectorizer", "FeatureHasher"}:
            return estimator.fit([{"a": 1.0, "b": 2.0}, {"a": 3.0, "c": 1.0}])
        if cls.__name__ in {"IsotonicRegression"}:
            return estimator.fit(d["x"][:, 0], d["y_reg"])
        if cls.__name__ in {"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"}:
            return estimator.fit(d["y_cls"] if cls.__name__ != "MultiLabelBinarizer" else [[1, 2], [3]])
        x = d["x_pos"] if cls.__name__ in {"NMF", "MiniBatchNMF", "LatentDirichletAllocation"} else d["x"]
        if issubclass(cls, classifier):
            return estimator.fit(x, d["y_cls"])
        if issubclass(cls, regressor):
            y = d["y_reg"]
            if "MultiTask" in cls.__name__ or cls.__name__ in {"MultiOutputRegressor", "RegressorChain"}:
                y = __import__("numpy").column_stack([y, y])
            return estimator.fit(x, y)
        try:
            return estimator.fit(x)
        except (TypeError, ValueError):
            return estimator.fit(x, d["y_cls"])
    except Exception:
        return None


def numpy_objects() -> None:
    import numpy as np

    objects: dict[str, Any] = {
        "generator_pcg64": np.random.default_rng(1),
        "generator_mt19937": np.random.Generator(np.random.MT19937(2)),
        "generator_philox": np.random.Generator(np.random.Philox(3)),
        "generator_sfc64": np.random.Generator(np.random.SFC64(4)),
        "generator_pcg64dxsm": np.random.Generator(np.random.PCG64DXSM(5)),
        "bitgen_pcg64": np.random.PCG64(6),
        "randomstate": np.random.RandomState(7),
        "randomstate_tuple": np.random.RandomState(8).get_state(),
        "seedsequence": np.random.SeedSequence(9),
        "seedsequence_spawned": np.random.SeedSequence(10).spawn(3),
        "float_array": np.linspace(0, 1, 50).reshape(5, 10),
        "int_arrays": [np.arange(10, dtype=t) for t in ("i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")],
        "float_kinds": [np.ones(3, dtype=t) for t in ("f2", "f4", "f8", "c8", "c16", "longdouble")],
        "bool_array": np.array([True, False, True]),
        "datetimes": np.array(["2024-01-01", "2024-06-30"], dtype="datetime64[D]"),
        "timedeltas": np.array([1, 2], dtype="timedelta64[s]"),
        "strings": np.array(["a", "bc", "def"]),
        "bytes": np.array([b"a", b"bc"]),
        "structured": np.array([(1, 2.0, "x")], dtype=[("a", "i4"), ("b", "f8"), ("c", "U3")]),
        "recarray": np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        "masked": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
        "matrix": np.matrix([[1, 2], [3, 4]]),
        "scalars": [np.float32(1.5), np.int64(3), np.bool_(True), np.datetime64("2024-01-01"), np.str_("s")],
        "dtypes": [np.dtype("f4"), np.dtype([("a", "i4")]), np.dtype("M8[ns]")],
        "object_array": np.array([{"k": 1}, "text", 3], dtype=object),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "empty": np.empty((0, 3)),
    }
    for name, obj in objects.items():
        pickled(f"numpy/{name}", obj, "numpy")
    for name in ("float_array", "structured", "datetimes", "strings", "object_array"):
        buffer = io.BytesIO()
        np.save(buffer, objects[name], allow_pickle=True)
        put(f"numpy/npy/{name}.npy", buffer.getvalue(), "numpy", "np.save")
    buffer = io.BytesIO()
    np.savez(buffer, a=objects["float_array"], b=objects["strings"])
    put("numpy/npz/arrays.npz", buffer.getvalue(), "numpy", "np.savez")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, a=objects["float_array"], o=objects["object_array"])
    put("numpy/npz/compressed_with_objects.npz", buffer.getvalue(), "numpy", "np.savez_compressed")


def pandas_objects() -> None:
    import numpy as np
    import pandas as pd

    index = pd.date_range("2024-01-01", periods=6, freq="D")
    frame = pd.DataFrame(
        {
            "f": np.arange(6.0),
            "i": np.arange(6),
            "s": list("abcdef"),
            "c": pd.Categorical(list("xyxyxy")),
            "b": [True, False] * 3,
            "t": index,
            "nullable": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
            "boolean": pd.array([True, None, False, True, False, None], dtype="boolean"),
            "string": pd.array(list("uvwxyz"), dtype="string[python]"),
            "td": pd.to_timedelta(np.arange(6), unit="h"),
        }
    )
    objects: dict[str, Any] = {
        "frame": frame,
        "frame_datetime_index": frame.set_index("t"),
        "frame_tz": pd.DataFrame({"v": range(3)}, index=pd.date_range("2024", periods=3, tz="UTC")),
        "frame_tz_named": pd.DataFrame(
            {"v": range(3)}, index=pd.date_range("2024", periods=3, tz="Europe/London")
        ),
        "frame_multiindex": frame.set_index(["s", "i"]),
        "frame_multicolumns": pd.DataFrame(
            np.ones((2, 4)), columns=pd.MultiIndex.from_product([["a", "b"], [1, 2]])
        ),
        "series": pd.Series([1.0, 2.0], index=["a", "b"], name="s"),
        "series_period": pd.Series(range(3), index=pd.period_range("2024-01", periods=3, freq="M")),
        "series_interval": pd.Series(range(3), index=pd.interval_range(0, 3)),
        "series_sparse": pd.Series(pd.arrays.SparseArray([0, 0, 1, 0])),
        "index_range": pd.RangeIndex(10),
        "index_categorical": pd.CategoricalIndex(["a", "b", "a"]),
        "index_timedelta": pd.timedelta_range("1 day", periods=3),
        "index_float": pd.Index([1.5, 2.5]),
        "index_object": pd.Index(["a", 1, None], dtype=object),
        "categorical": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
        "scalars": [
            pd.Timestamp("2024-01-01 12:00", tz="UTC"),
            pd.Timedelta("1h"),
            pd.Period("2024Q1"),
            pd.Interval(0, 1),
            pd.NaT,
            pd.NA,
        ],
        "date_offset": [pd.offsets.Day(2), pd.offsets.MonthEnd(), pd.offsets.BusinessDay()],
        "frame_with_attrs": frame.assign(extra=1),
    }
    objects["frame_with_attrs"].attrs = {"source": "benchmark"}
    for name, obj in objects.items():
        pickled(f"pandas/{name}", obj, "pandas", (4, 5))
    for suffix in (".pkl", ".pkl.gz", ".pkl.bz2", ".pkl.xz"):
        path = OUT / "pandas" / "to_pickle" / f"frame{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_pickle(path)
        LABELS[str(path.relative_to(OUT))] = {
            "label": "benign",
            "library": "pandas",
            "how": "DataFrame.to_pickle",
        }


def scipy_objects(d: dict[str, Any]) -> None:
    import numpy as np
    from scipy import interpolate, sparse, spatial, stats
    from scipy.optimize import minimize
    from scipy.spatial.transform import Rotation

    dense = np.eye(4)
    objects: dict[str, Any] = {
        f"sparse_{fmt}_{kind}": getattr(sparse, f"{fmt}_{kind}")(dense)
        for fmt in ("csr", "csc", "coo", "bsr", "dia", "dok", "lil")
        for kind in ("matrix", "array")
    }
    objects |= {
        "kdtree": spatial.KDTree(d["x"]),
        "ckdtree": spatial.cKDTree(d["x"]),
        "frozen_norm": stats.norm(loc=1, scale=2),
        "frozen_gamma": stats.gamma(a=2.0),
        "frozen_poisson": stats.poisson(mu=3.0),
        "interp1d": interpolate.interp1d(np.arange(5.0), np.arange(5.0) ** 2),
        "cubic_spline": interpolate.CubicSpline(np.arange(5.0), np.arange(5.0) ** 2),
        "rotation": Rotation.from_euler("xyz", [10, 20, 30], degrees=True),
        "optimize_result": minimize(lambda v: float((v**2).sum()), np.ones(2)).x,
        "convex_hull_points": spatial.ConvexHull(d["x"][:, :2]).vertices,
    }
    for name, obj in objects.items():
        pickled(f"scipy/{name}", obj, "scipy", (4, 5))


def torch_checkpoints(d: dict[str, Any]) -> None:
    import argparse as argparse_module
    import datetime
    import decimal
    import fractions
    import pathlib
    import random
    import uuid

    import numpy as np
    import torch
    from torch import nn

    torch.manual_seed(0)
    models: dict[str, nn.Module] = {
        "mlp": nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3)),
        "cnn": nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.MaxPool2d(2), nn.Flatten(), nn.LazyLinear(2)
        ),
        "lstm": nn.LSTM(4, 8, num_layers=2, batch_first=True),
        "gru": nn.GRU(4, 8),
        "transformer": nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2),
        "embedding": nn.Sequential(nn.Embedding(50, 8), nn.LayerNorm(8)),
        "conv_transpose": nn.Sequential(nn.ConvTranspose2d(2, 2, 3), nn.GroupNorm(1, 2), nn.GELU()),
        "attention": nn.MultiheadAttention(8, 2),
    }
    models["cnn"](torch.zeros(1, 1, 8, 8))  # materialise the lazy layer
    for name, model in models.items():
        torched(f"torch/state_dict/{name}", model.state_dict(), "torch")
        torched(f"torch/module/{name}", model, "torch", legacy=False)
    mlp = models["mlp"]
    x, y = torch.tensor(d["x"], dtype=torch.float32), torch.tensor(d["y_cls"])
    optimizers = {
        "sgd": torch.optim.SGD(mlp.parameters(), lr=0.1, momentum=0.9, nesterov=True),
        "adam": torch.optim.Adam(mlp.parameters(), amsgrad=True),
        "adamw": torch.optim.AdamW(mlp.parameters()),
        "rmsprop": torch.optim.RMSprop(mlp.parameters(), centered=True),
        "adagrad": torch.optim.Adagrad(mlp.parameters()),
        "adadelta": torch.optim.Adadelta(mlp.parameters()),
        "adamax": torch.optim.Adamax(mlp.parameters()),
        "nadam": torch.optim.NAdam(mlp.parameters()),
        "radam": torch.optim.RAdam(mlp.parameters()),
        "asgd": torch.optim.ASGD(mlp.parameters()),
        "rprop": torch.optim.Rprop(mlp.parameters()),
    }
    for name, optimizer in optimizers.items():
        loss = nn.functional.cross_entropy(mlp(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torched(f"torch/optimizer/{name}", optimizer.state_dict(), "torch")
    adam = optimizers["adam"]
    schedulers = {
        "step": torch.optim.lr_scheduler.StepLR(adam, 10),
        "cosine": torch.optim.lr_scheduler.CosineAnnealingLR(adam, 10),
        "onecycle": torch.optim.lr_scheduler.OneCycleLR(adam, max_lr=0.1, total_steps=100),
        "plateau": torch.optim.lr_scheduler.ReduceLROnPlateau(adam),
        "warm_restarts": torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(adam, 5),
        "exponential": torch.optim.lr_scheduler.ExponentialLR(adam, 0.9),
    }
    for name, scheduler in schedulers.items():
        torched(f"torch/scheduler/{name}", scheduler.state_dict(), "torch")
    torched("torch/grad_scaler", torch.amp.GradScaler("cpu").state_dict(), "torch")
    args = argparse_module.Namespace(
        lr=0.001,
        epochs=10,
        batch_size=32,
        data_dir=pathlib.Path("/data/train"),
        seed=0,
        amp=False,
        tags=["a"],
    )
    checkpoint = {
        "epoch": 3,
        "global_step": 1200,
        "model": mlp.state_dict(),
        "optimizer": adam.state_dict(),
        "scheduler": schedulers["cosine"].state_dict(),
        "args": args,
        "run_dir": pathlib.Path("runs/exp1"),
        "pure_path": pathlib.PurePosixPath("runs/exp1/best.pt"),
        "windows_path": pathlib.PureWindowsPath("C:/runs/exp1"),
        "run_id": uuid.UUID(int=0x1234),
        "saved_at": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC),
        "took": datetime.timedelta(hours=1),
        "best_metric": decimal.Decimal("0.9731"),
        "ratio": fractions.Fraction(3, 4),
        "python_rng": random.getstate(),
        "numpy_rng": np.random.get_state(),
        "numpy_generator": np.random.default_rng(0),
        "numpy_seed_sequence": np.random.SeedSequence(0),
        "torch_rng": torch.get_rng_state(),
        "history": collections.OrderedDict(loss=[1.0, 0.5], acc=[0.5, 0.8]),
        "counts": collections.Counter("aab"),
        "bests": collections.defaultdict(list, {"val": [0.1]}),
        "dtype": torch.float16,
        "device": torch.device("cpu"),
        "size": torch.Size([3, 4]),
    }
    torched("torch/checkpoint/full", checkpoint, "torch")
    torched("torch/checkpoint/args_only", args, "torch")
    tensors = {
        "dtypes": {
            str(t): torch.ones(2, dtype=t)
            for t in (
                torch.float16,
                torch.bfloat16,
                torch.float64,
                torch.int8,
                torch.uint8,
                torch.bool,
                torch.complex64,
                torch.int64,
            )
        },
        "sparse_coo": torch.eye(3).to_sparse(),
        "sparse_csr": torch.eye(3).to_sparse_csr(),
        "parameter": nn.Parameter(torch.ones(2)),
        "view_sharing": (lambda t: {"a": t, "b": t[1:]})(torch.arange(4.0)),
        "float8": torch.zeros(2, dtype=torch.float8_e4m3fn),
        "quantized": torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.quint8),
    }
    for name, obj in tensors.items():
        torched(f"torch/tensors/{name}", obj, "torch")


def gradient_boosting(d: dict[str, Any]) -> None:
    with section("lightgbm"):
        import lightgbm as lgb

        for cls in (lgb.LGBMClassifier, lgb.LGBMRegressor):
            y = d["y_cls"] if cls is lgb.LGBMClassifier else d["y_reg"]
            model = cls(n_estimators=5, min_child_samples=2, verbose=-1).fit(d["x"], y)
            pickled(f"lightgbm/{cls.__name__}", model, "lightgbm", (4, 5))
            joblibbed(f"lightgbm/{cls.__name__}", model, "lightgbm")
        booster = lgb.train({"verbose": -1, "min_data_in_leaf": 2}, lgb.Dataset(d["x"], d["y_reg"]), 5)
        pickled("lightgbm/Booster", booster, "lightgbm", (4, 5))
        ranker = lgb.LGBMRanker(n_estimators=3, min_child_samples=2, verbose=-1).fit(
            d["x"], d["y_cls"], group=[30, 30]
        )
        pickled("lightgbm/LGBMRanker", ranker, "lightgbm", (5,))
    with section("xgboost"):
        import xgboost as xgb

        for cls in (xgb.XGBClassifier, xgb.XGBRegressor, xgb.XGBRFClassifier):
            y = d["y_reg"] if cls is xgb.XGBRegressor else d["y_cls"]
            model = cls(n_estimators=5, max_depth=2).fit(d["x"], y)
            pickled(f"xgboost/{cls.__name__}", model, "xgboost", (4, 5))
            joblibbed(f"xgboost/{cls.__name__}", model, "xgboost")
        booster = xgb.train({"max_depth": 2}, xgb.DMatrix(d["x"], label=d["y_reg"]), 5)
        pickled("xgboost/Booster", booster, "xgboost", (4, 5))
    with section("catboost"):
        import catboost

        for cls in (catboost.CatBoostClassifier, catboost.CatBoostRegressor):
            y = d["y_reg"] if cls is catboost.CatBoostRegressor else d["y_cls"]
            model = cls(iterations=5, depth=2, verbose=False, allow_writing_files=False).fit(d["x"], y)
            pickled(f"catboost/{cls.__name__}", model, "catboost", (4, 5))
            joblibbed(f"catboost/{cls.__name__}", model, "catboost")


def statsmodels_results(d: dict[str, Any]) -> None:
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    x = sm.add_constant(d["x"])
    series = pd.Series(np.sin(np.arange(48) / 3) + 2, index=pd.date_range("2020-01", periods=48, freq="MS"))
    results = {
        "ols": sm.OLS(d["y_reg"], x).fit(),
        "wls": sm.WLS(d["y_reg"], x, weights=np.ones(60)).fit(),
        "glm_poisson": sm.GLM(np.abs(d["y_reg"]).round(), x, family=sm.families.Poisson()).fit(),
        "logit": sm.Logit(d["y_bin"], x).fit(disp=0),
        "arima": ARIMA(series, order=(1, 0, 0)).fit(),
        "holt_winters": ExponentialSmoothing(series, trend="add").fit(),
        "rlm": sm.RLM(d["y_reg"], x).fit(),
    }
    for name, result in results.items():
        buffer = io.BytesIO()
        result.save(buffer)
        put(f"statsmodels/{name}.pickle", buffer.getvalue(), "statsmodels", "results.save")
        if hasattr(result, "remove_data"):
            buffer = io.BytesIO()
            result.save(buffer, remove_data=True)
            put(
                f"statsmodels/{name}_no_data.pickle",
                buffer.getvalue(),
                "statsmodels",
                "results.save(remove_data)",
            )


def imblearn_models(d: dict[str, Any]) -> None:
    from imblearn.combine import SMOTETomek
    from imblearn.ensemble import BalancedRandomForestClassifier, EasyEnsembleClassifier
    from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler
    from imblearn.pipeline import make_pipeline
    from imblearn.under_sampling import NearMiss, RandomUnderSampler
    from sklearn.linear_model import LogisticRegression

    models = {
        "smote_pipeline": make_pipeline(SMOTE(k_neighbors=2), LogisticRegression()),
        "adasyn_pipeline": make_pipeline(ADASYN(n_neighbors=2), LogisticRegression()),
        "under_pipeline": make_pipeline(RandomUnderSampler(), LogisticRegression()),
        "over_pipeline": make_pipeline(RandomOverSampler(), LogisticRegression()),
        "nearmiss_pipeline": make_pipeline(NearMiss(n_neighbors=2), LogisticRegression()),
        "smotetomek_pipeline": make_pipeline(SMOTETomek(smote=SMOTE(k_neighbors=2)), LogisticRegression()),
        "balanced_forest": BalancedRandomForestClassifier(n_estimators=5),
        "easy_ensemble": EasyEnsembleClassifier(n_estimators=3),
    }
    for name, model in models.items():
        with contextlib.suppress(ValueError):
            model.fit(d["x"], d["y_cls"])
            pickled(f"imblearn/{name}", model, "imbalanced-learn", (5,))
            joblibbed(f"imblearn/{name}", model, "imbalanced-learn", (0,))


def category_encoders_models() -> None:
    import category_encoders as ce
    import pandas as pd

    frame = pd.DataFrame({"city": ["a", "b", "c", "a", "b", "a"] * 5, "n": range(30)})
    target = pd.Series([0, 1] * 15)
    for cls in (
        ce.TargetEncoder,
        ce.OneHotEncoder,
        ce.BinaryEncoder,
        ce.OrdinalEncoder,
        ce.WOEEncoder,
        ce.CountEncoder,
        ce.HashingEncoder,
        ce.CatBoostEncoder,
        ce.LeaveOneOutEncoder,
    ):
        encoder = cls(cols=["city"]).fit(frame, target)
        pickled(f"category_encoders/{cls.__name__}", encoder, "category_encoders", (4, 5))


def networkx_graphs() -> None:
    import networkx as nx

    graphs = {
        "graph": nx.karate_club_graph(),
        "digraph": nx.gnp_random_graph(20, 0.2, seed=1, directed=True),
        "multigraph": nx.MultiGraph([(1, 2), (1, 2), (2, 3)]),
        "multidigraph": nx.MultiDiGraph([(1, 2, {"w": 1.0})]),
        "grid": nx.grid_2d_graph(3, 3),
    }
    for name, graph in graphs.items():
        pickled(f"networkx/{name}", graph, "networkx")


def river_models(d: dict[str, Any]) -> None:
    from river import compose, linear_model, naive_bayes, preprocessing, tree

    models = {
        "logistic": compose.Pipeline(preprocessing.StandardScaler(), linear_model.LogisticRegression()),
        "linear": compose.Pipeline(preprocessing.StandardScaler(), linear_model.LinearRegression()),
        "hoeffding": tree.HoeffdingTreeClassifier(),
        "gaussian_nb": naive_bayes.GaussianNB(),
    }
    for name, model in models.items():
        for row, label in zip(d["x"], d["y_bin"], strict=True):
            model.learn_one(dict(enumerate(row.tolist())), bool(label) if name != "linear" else float(label))
        pickled(f"river/{name}", model, "river", (4, 5))


def mlxtend_models(d: dict[str, Any]) -> None:
    import pandas as pd
    from mlxtend.classifier import EnsembleVoteClassifier, StackingCVClassifier
    from mlxtend.frequent_patterns import apriori
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB

    stacking = StackingCVClassifier([LogisticRegression(), GaussianNB()], LogisticRegression(), cv=2).fit(
        d["x"], d["y_bin"]
    )
    vote = EnsembleVoteClassifier([LogisticRegression(), GaussianNB()], voting="soft").fit(d["x"], d["y_bin"])
    items = pd.DataFrame([[1, 1, 0], [1, 0, 1], [1, 1, 1]], columns=["bread", "milk", "eggs"]).astype(bool)
    for name, obj in {
        "stacking_cv": stacking,
        "ensemble_vote": vote,
        "apriori": apriori(items, min_support=0.5),
    }.items():
        pickled(f"mlxtend/{name}", obj, "mlxtend", (4, 5))


def transformers_files() -> None:
    import torch
    from transformers import BertConfig, BertModel, Seq2SeqTrainingArguments, TrainingArguments

    workdir = OUT / "_tmp_transformers"
    for cls in (TrainingArguments, Seq2SeqTrainingArguments):
        args = cls(output_dir=str(workdir), per_device_train_batch_size=4, report_to=[], use_cpu=True)
        torched(f"transformers/{cls.__name__}/training_args.bin", args, "transformers", legacy=False)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    model = BertModel(config)
    torched("transformers/bert/pytorch_model.bin", model.state_dict(), "transformers", legacy=False)
    torched("transformers/bert/whole_model", model, "transformers", legacy=False)
    pickled("transformers/bert/config", config, "transformers", (4,))
    rng = {
        "python": __import__("random").getstate(),
        "numpy": __import__("numpy").random.get_state(),
        "cpu": torch.random.get_rng_state(),
    }
    torched("transformers/checkpoint/rng_state", rng, "transformers", legacy=False)


def accelerate_state() -> None:
    import shutil

    import torch
    from accelerate import Accelerator

    accelerator = Accelerator(cpu=True)
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 5)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    target = OUT / "_tmp_accelerate"
    accelerator.save_state(str(target))
    for path in sorted(target.rglob("*")):
        if path.is_file():
            put(
                f"accelerate/{path.relative_to(target)}",
                path.read_bytes(),
                "accelerate",
                "Accelerator.save_state",
            )
    shutil.rmtree(target)


def stdlib_objects() -> None:
    import argparse as argparse_module
    import datetime
    import pathlib
    import random
    import uuid

    objects: dict[str, Any] = {
        "namespace": argparse_module.Namespace(
            lr=0.1, path=pathlib.Path("/tmp/x"), nested=argparse_module.Namespace(a=1)
        ),
        "paths": [pathlib.Path("a/b"), pathlib.PurePosixPath("/x"), pathlib.PureWindowsPath("C:/x")],
        "uuids": [uuid.uuid4(), uuid.UUID(int=1)],
        "random_instance": random.Random(3),
        "random_state": random.Random(4).getstate(),
        "datetimes": [datetime.datetime.now(datetime.UTC), datetime.date(2024, 1, 1), datetime.time(1, 2)],
        "containers": [frozenset({1}), {1, 2}, bytearray(b"x"), range(3), slice(1, 2), complex(1, 2)],
    }
    for name, obj in objects.items():
        pickled(f"python/{name}", obj, "python")


def write(out: Path) -> int:
    global OUT
    OUT = out
    d = data()
    for library, writer in (
        ("scikit-learn", lambda: sklearn_estimators(d)),
        ("numpy", numpy_objects),
        ("pandas", pandas_objects),
        ("scipy", lambda: scipy_objects(d)),
        ("torch", lambda: torch_checkpoints(d)),
        ("gradient boosting", lambda: gradient_boosting(d)),
        ("statsmodels", lambda: statsmodels_results(d)),
        ("imbalanced-learn", lambda: imblearn_models(d)),
        ("category_encoders", category_encoders_models),
        ("networkx", networkx_graphs),
        ("river", lambda: river_models(d)),
        ("mlxtend", lambda: mlxtend_models(d)),
        ("transformers", transformers_files),
        ("accelerate", accelerate_state),
        ("python", stdlib_objects),
    ):
        with section(library):
            writer()
    (OUT / "labels.json").write_text(json.dumps(LABELS, indent=1, sort_keys=True))
    libraries = collections.Counter(v["library"] for v in LABELS.values())
    print(f"{len(LABELS)} files from {len(libraries)} libraries in {OUT}: {dict(sorted(libraries.items()))}")
    for line in SKIPPED:
        print(f"skipped {line}")
    return 0


# --------------------------------------------------------------------------- check (aicop's venv)
def check(corpus: Path, json_out: Path | None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from aicop.scan.scanner import scan_file

    labels: dict[str, dict[str, str]] = json.loads((corpus / "labels.json").read_text())
    false_positives: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    evidence: dict[str, set[str]] = collections.defaultdict(set)
    started = time.perf_counter()
    for rel in sorted(labels):
        result = scan_file(corpus / rel)
        if result.error:
            errors[rel] = result.error
        if result.unsafe:
            false_positives[rel] = [
                f"{f.rule} {f.callable or f.message}" for f in result.findings if f.unsafe
            ]
            for finding in result.findings:
                if finding.unsafe and finding.callable:
                    evidence[finding.callable].add(labels[rel]["library"])
    seconds = time.perf_counter() - started
    libraries = collections.Counter(v["library"] for v in labels.values())
    print(f"benign corpus: {len(labels)} files from {len(libraries)} libraries, scanned in {seconds:.2f} s")
    print(f"false positives: {len(false_positives)}; errors: {len(errors)}")
    for rel, why in sorted(false_positives.items()):
        print(f"  FP {rel}: {'; '.join(why[:4])}")
    for rel, why in sorted(errors.items()):
        print(f"  error {rel}: {why}")
    by_module: dict[str, list[str]] = collections.defaultdict(list)
    for name in sorted(evidence):
        by_module[name.split(".")[0]].append(f"{name} ({', '.join(sorted(evidence[name]))})")
    if by_module:
        print("imports behind the false positives, by top-level module:")
        for module, names in sorted(by_module.items()):
            print(f"  {module}:")
            for name in names:
                print(f"    {name}")
    if json_out is not None:
        json_out.write_text(
            json.dumps(
                {
                    "files": len(labels),
                    "libraries": dict(libraries),
                    "false_positives": false_positives,
                    "errors": errors,
                    "evidence": {k: sorted(v) for k, v in evidence.items()},
                },
                indent=1,
            )
        )
    return 1 if false_positives or errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("write", help="write the corpus (in benchmarks/.venv-corpus)").add_argument(
        "dir", type=Path
    )
    checker = sub.add_parser("check", help="scan the corpus with aicop (in aicop's venv)")
    checker.add_argument("dir", type=Path)
    checker.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.command == "write":
        return write(args.dir)
    return check(args.dir, args.json)


if __name__ == "__main__":
    sys.exit(main())
