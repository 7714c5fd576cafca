"""The reference libraries' own virtual environments, shared by the bench scripts.

Each library is installed from the exact pins in ``bench/envs/<name>.txt`` into
``.cache/bench-envs/<name>/`` on first use (this interpreter's ``-m venv`` and pip) and
reused afterwards; a library whose environment cannot be built is left out with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ENVS = Path(__file__).parent / "envs"
ENV_HOME = Path(__file__).resolve().parent.parent / ".cache" / "bench-envs"


def note(message: str) -> None:
    """A line of progress for the person running the bench (stderr)."""
    print(message, file=sys.stderr, flush=True)


def interpreter(name: str, requirements_name: str | None = None) -> str | None:
    """The Python of environment `name` (pins `requirements_name`, default `name`),
    built on first use; None if it cannot be.

    An existing environment is reused as it is (never deleted here); when its packages
    differ from the pins, a note says which, and removing the directory rebuilds it.
    """
    requirements = ENVS / f"{requirements_name or name}.txt"
    home = ENV_HOME / name
    python = home / "bin" / "python"
    if not python.exists() and not build(name, home, requirements):
        return None
    differences = off_pins(str(python), requirements)
    if differences:
        note(f"{name}: {home} is not at the pins of {requirements.name}: {differences}")
    return str(python)


def build(name: str, home: Path, requirements: Path) -> bool:
    """`python -m venv` + `pip install -r`; on failure, say why and remove the attempt."""
    note(f"building {home} from {requirements} ...")
    home.parent.mkdir(parents=True, exist_ok=True)
    steps = (
        [sys.executable, "-m", "venv", str(home)],
        [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
    )
    for command in steps:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
            note(f"{name} left out: `{' '.join(command[:4])} ...` failed: {reason}")
            if home.is_dir() and not home.is_symlink():
                shutil.rmtree(home)  # the half-built environment this function created
            return False
    return True


def off_pins(python: str, requirements: Path) -> str:
    """The pins of `requirements` that `python`'s environment does not have ("" if none)."""
    done = subprocess.run(
        [python, "-m", "pip", "freeze"], capture_output=True, text=True, check=False
    )
    installed = {line.lower() for line in done.stdout.split()}
    lines = [line.strip() for line in requirements.read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    return ", ".join(pin for pin in pins if pin.lower() not in installed)
