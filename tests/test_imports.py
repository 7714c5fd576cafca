"""Start-up stays light: `import segmint`, `--help` and `status` load nothing heavy."""

import json
import subprocess
import sys

from segmint.workspace import Workspace
from tests.conftest import TODAY, write_csv

HEAVY = ("pyspark", "fastapi", "sklearn", "plotly", "splink", "duckdb", "pyarrow", "pandas")

# `status` reads the database, so it needs DuckDB and Arrow, but no expression layer, no
# model, and neither the importer (charset detection) nor the exports (pyarrow.compute).
NOT_FOR_STATUS = (
    "ibis",
    "scipy",
    "sklearn",
    "pyspark",
    "splink",
    "segmint.ingest.importer",
    "segmint.activate.exports",
)


def _loaded(code, *args):
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _status_modules(tmp_path):
    """The modules `segmint status` loads, in a fresh process, on a real small workspace."""
    with Workspace.init(tmp_path / "ws") as ws:
        orders = write_csv(
            tmp_path / "orders.csv",
            ["order_id", "customer_id", "ordered_at", "amount"],
            [["O1", "C1", "2024-03-05", "10"], ["O2", "C2", "2024-03-06", "20.50"]],
        )
        assert ws.import_file("orders", orders, today=TODAY).accepted == 2
    code = (
        "import sys, json\n"
        "from segmint.cli import main\n"
        "sys.argv = ['segmint', 'status', '--workspace', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print(json.dumps(list(sys.modules)))"
    )
    return _loaded(code, str(tmp_path / "ws"))


def test_import_segmint_loads_no_heavy_module():
    loaded = _loaded("import sys, json, segmint; print(json.dumps(list(sys.modules)))")
    assert not loaded & set(HEAVY)


def test_cli_help_loads_no_heavy_module():
    code = (
        "import sys, json\n"
        "from segmint.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(list(sys.modules)))"
    )
    assert not _loaded(code) & set(HEAVY)


def test_status_loads_only_what_it_reads(tmp_path):
    loaded = _status_modules(tmp_path)
    assert "duckdb" in loaded  # it did read the workspace
    assert not loaded & set(NOT_FOR_STATUS)


def test_status_loads_no_pandas(tmp_path):
    assert "pandas" not in _status_modules(tmp_path)
