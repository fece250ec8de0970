# The two set-up commands of the README: `make run` and `make test`. Both set up on first use.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPELLBOOK := resources/spellbook

.PHONY: run test lint bench setup system-deps bytecode docs clean recordings screenshots

$(STAMP): pyproject.toml setup.py engines/lua/native/linehook.c
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install -q -e '.[test,local]'
	@touch $(STAMP)

setup: system-deps $(STAMP) bytecode

# Editable installs leave our own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set
# every engine host would compile them again at start (about 60 ms of each launch).
bytecode: $(STAMP)
	@$(PY) -m compileall -q -j0 engines ide >/dev/null || true

# Debian libraries the project needs at run time, installed only when missing and when root.
system-deps:
	@sh packaging/system-deps.sh

# The studio, in a real window: on the X (or Wayland) display, or under Xvfb when there is none.
run: setup
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ] && command -v xvfb-run >/dev/null; then \
		echo "no display: running the studio under Xvfb"; \
		xvfb-run -a -s "-screen 0 1920x1200x24" $(VENV)/bin/llmspell-studio $(SPELLBOOK)/hello; \
	else \
		$(VENV)/bin/llmspell-studio $(SPELLBOOK)/hello; \
	fi

# PNGs of the studio's main window and of every pane, after a run and a debug session of a
# spellbook spell, taken under Xvfb into screenshots/.
screenshots: setup
	rm -rf screenshots
	LLMSPELL_HOME=$$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1200x24" \
		$(PY) -m ide.screenshots screenshots

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy engines

test: lint
	$(PY) -m pytest

bench: setup
	$(PY) -m pytest tests/benchmarks -q -s -o addopts='--import-mode=importlib' -p no:cacheprovider

docs: setup
	$(PY) -m engines.api.docs > docs/api.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Re-record the spellbook's LLM spells (after changing them or the tools they use).
recordings: setup
	$(PY) tests/support/record_spellbook.py
