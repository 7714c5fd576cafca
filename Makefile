# segmint: `make demo` and `make test` are the only set-up a fresh machine needs.
.PHONY: install demo test lint format bench docs screenshots clean

VENV := .venv
BIN := $(VENV)/bin
UV := python3 -m uv

install: $(VENV)/.installed

# Byte-compiled at install: where PYTHONDONTWRITEBYTECODE is set (many containers) nothing
# is cached at import, so without it every command compiles pandas and the rest afresh.
# uv compiles the whole environment, so a venv made before this rule gets its .pyc too;
# the Makefile is a prerequisite so a change to this recipe re-runs it.
$(VENV)/.installed: pyproject.toml uv.lock Makefile
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv==0.13.8
	$(UV) sync --frozen --python 3.11 --compile-bytecode --extra spark
	@# segmint itself is installed editable (src/ is not in site-packages): compile it too.
	@# A module edited later is compiled in memory as before, until the next install.
	$(BIN)/python -m compileall -q src
	@touch $@

demo: install
	$(BIN)/segmint demo --dir demo

lint: install
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# One worker per core (pytest-xdist): the suite runs in about half the time on two. The
# Spark tests share one worker (their xdist_group), so one Java process runs, not two.
test: lint
	$(BIN)/pytest -n auto --dist loadgroup

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/import.py
	$(BIN)/python bench/clv.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/needs.py
	$(BIN)/python bench/startup.py

# A PNG of every dashboard page in both languages, for a reviewer (Debian's chromium).
screenshots: install
	$(BIN)/python bench/screenshots.py --out screenshots

clean:
	rm -rf $(VENV) demo screenshots .pytest_cache .mypy_cache .ruff_cache

docs: install
	$(BIN)/python -c "from segmint.core.schema import markdown; open('docs/schema.md', 'w', encoding='utf-8').write(markdown())"
	$(BIN)/python -c "from segmint.core.catalog import markdown; open('docs/features.md', 'w', encoding='utf-8').write(markdown())"
	$(BIN)/python -c "from segmint.cli.reference import markdown; open('docs/cli.md', 'w', encoding='utf-8').write(markdown())"
	$(BIN)/python -c "from segmint.core.errors import markdown; open('docs/errors.md', 'w', encoding='utf-8').write(markdown())"
	$(BIN)/python -c "from segmint.ingest.platforms.reference import markdown; open('docs/platforms.md', 'w', encoding='utf-8').write(markdown())"
	$(BIN)/python -c "from segmint.segments.rules.reference import markdown; open('docs/rules.md', 'w', encoding='utf-8').write(markdown())"
