# A Python 3.12+ interpreter: python3.12 or python3.13 on PATH where they run, else pyenv's.
# PYTHON=... overrides.
PYTHON ?= $(shell for c in python3.12 python3.13 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[23]*/bin/python3 2>/dev/null); do \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint format bench golden emulators state-layout clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo 'make: no Python 3.12+ found; set PYTHON=/path/to/python3.12' >&2; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(TEST_STAMP)

demo: $(STAMP)
	$(VENV)/bin/rainforest run action_plan --replicates 5

test: $(TEST_STAMP)
	$(PY) -P -m pytest -q

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(TEST_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(VENV)/bin/rainforest bench --json

clean:
	rm -rf $(VENV) .numba_cache .pytest_cache

# Rewrites tests/golden/ from the model as it is now, printing what moved: for a
# deliberate model change, with the printed diff in the change's note.
golden: $(TEST_STAMP)
	$(PY) -P -m pytest -q -s tests/sim/test_golden.py --update-golden

# Rewrites the view's what-if emulators (viz/emulators/) from the model as it is now: after
# a model change, with the golden files (tests/viz/test_whatif_emulator.py says when).
emulators: $(STAMP)
	@# each prints its check and exits 1 when an outcome misses the 85-95 % target (the
	@# files are written either way, so make goes on to the next)
	-$(VENV)/bin/rainforest emulate whatif action_plan --scale classroom --workers 2 --points 120 --replicates 2 \
		--out viz/emulators/action_plan_classroom
	-$(VENV)/bin/rainforest emulate whatif action_plan --scale city --workers 2 --points 120 --replicates 2 \
		--out viz/emulators/action_plan_city

# sim/state_layout.py (the State NamedTuple) from the FIELDS table in sim/state.py
state-layout: $(STAMP)
	$(PY) -P -c "from rainforest.sim.state import write_layout; write_layout()"
