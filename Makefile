# caseload: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install sample-data schema bench bench-district clean

# Each step says what it does: on a fresh machine the install takes a minute or more, and pip
# (not --quiet) shows each package as it comes.
$(BIN)/python:
	@echo "==> Creating the virtual environment $(VENV) ($(PYTHON) -m venv)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Upgrading pip in $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	@echo "==> Installing caseload and its dependencies into $(VENV) (a minute or two on a fresh machine)"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@echo "==> Compiling the bytecode the tests use into $(VENV)/pycache (see \`test\` below)"
	PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache $(BIN)/python -m compileall -q -j 0 $(VENV)/lib src tests
	touch $(STAMP)
	@echo "==> Installed: $(BIN)/caseload (or run \`source $(VENV)/bin/activate\` to have \`caseload\` on PATH)"

install: $(STAMP)

demo: $(STAMP)
	@echo "==> Starting the demo: $(BIN)/caseload demo"
	$(BIN)/caseload demo

# Bytecode, and pytest's assertion-rewritten test and plugin modules, are cached under the venv
# (PYTHONPYCACHEPREFIX, never in the source tree), even where PYTHONDONTWRITEBYTECODE is set:
# without a cache every worker and every `python -m caseload` a test starts compiles caseload,
# the tests and Hypothesis (rewritten as a pytest plugin) from source. Python looks for every
# module's bytecode (the libraries' too) under that prefix only, so `make install` compiles the
# venv's libraries, src and tests into it once (about 11 s on two cores), as pip compiles a
# package's bytecode when it installs it; a first test run then compiles nothing but pytest's
# rewritten test modules.
# Five workers on two cores: a Pilot test spends much of its time waiting for the app to go idle
# (Textual's pause() sleeps until the process has been idle for 20 ms), and a worker waiting
# leaves its core to another (docs/PERFORMANCE.md: -n 5 against -n 4, run in turns).
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache \
	  $(BIN)/python -m pytest -n 5 --dist worksteal -q -p no:cacheprovider --durations=15

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

sample-data: $(STAMP)
	$(BIN)/python -m caseload.samplegen sample_data

# src/caseload/store/tables.py (SQLAlchemy Core, what the code uses) from store/models.py
# (the SQLModel classes, the schema as written); tests/store/test_schema_generated.py checks it.
schema: $(STAMP)
	$(BIN)/python -m caseload.store.models

# Every figure beside its same-run baseline, "ratio", PASS/FAIL (docs/PERFORMANCE.md). Each
# import_bench run saves its figures in $(BENCH_RESULTS), emptied first by `bench`: the district
# run reads the 5,000-student figures of the same `make bench-district` for its growth line.
BENCH_RESULTS ?= /tmp/caseload-bench-results
DISTRICT_STUDENTS ?= 75000

# The benchmarks run with the venv's bytecode cache too (as `test`): each step runs in a process
# of its own, and where PYTHONDONTWRITEBYTECODE is set, one without a cache compiled every
# caseload module it imported lazily inside the timed region (a fixed ~0.2 s on a 1.5 s import
# at 500 students; an installed caseload has its bytecode compiled).
BENCH_ENV = PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache
bench: $(STAMP)
	rm -rf $(BENCH_RESULTS)
	$(BENCH_ENV) $(BIN)/python benchmarks/import_bench.py --students 500 --repeat 3 --results $(BENCH_RESULTS)
	$(BENCH_ENV) $(BIN)/python benchmarks/import_bench.py --students 5000 --repeat 3 --results $(BENCH_RESULTS)
	$(BENCH_ENV) $(BIN)/python benchmarks/flags_bench.py --students 500
	$(BENCH_ENV) $(BIN)/python benchmarks/flags_bench.py --students 5000
	$(BENCH_ENV) $(BIN)/python benchmarks/tui_bench.py --students 5000
	$(BENCH_ENV) $(BIN)/python benchmarks/sync_bench.py
	$(BENCH_ENV) $(BIN)/python benchmarks/notes_pdf_bench.py

# bench, then issue 13's figures at 75,000 students (one run; long: ~1 h, with progress lines).
bench-district: bench
	$(BENCH_ENV) $(BIN)/python benchmarks/import_bench.py --students $(DISTRICT_STUDENTS) --repeat 1 --district --growth-from 5000 --results $(BENCH_RESULTS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
