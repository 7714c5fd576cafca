"""Start-up stays light: `import segmint` and `segmint --help` load nothing heavy."""

import json
import subprocess
import sys

HEAVY = ("pyspark", "fastapi", "sklearn", "plotly", "splink", "duckdb", "pyarrow", "pandas")


def _loaded(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


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
