"""CDNOW, read from the lifetimes wheel on PyPI (downloaded once; lifetimes is not installed)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

LIFETIMES = "lifetimes==0.11.3"
CACHE = Path(__file__).resolve().parents[3] / ".cache" / "wheels"


def _pip() -> list[str]:
    """pip of this interpreter, or the one on PATH when the environment has none (uv venvs)."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    found = shutil.which("pip3") or shutil.which("pip")
    return [found] if found else [sys.executable, "-m", "pip"]


def _wheel() -> Path | None:
    # the wheel on PyPI is named Lifetimes-0.11.3-..., with a capital L
    found = sorted(p for p in CACHE.glob("*.whl") if p.name.lower().startswith("lifetimes-0.11.3"))
    return found[0] if found else None


@pytest.fixture(scope="session")
def lifetimes_wheel() -> zipfile.ZipFile:
    if _wheel() is None:
        CACHE.mkdir(parents=True, exist_ok=True)
        command = [*_pip(), "download", LIFETIMES, "--no-deps", "-d", str(CACHE)]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
        if done.returncode != 0 or _wheel() is None:
            message = f"could not download {LIFETIMES} for the CDNOW data:\n{done.stderr}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)  # in CI a missing witness is a failure, never a skip
            pytest.skip(message)
    wheel = _wheel()
    assert wheel is not None
    return zipfile.ZipFile(wheel)


@pytest.fixture(scope="session")
def cdnow(lifetimes_wheel) -> pd.DataFrame:
    """The published summary: 2,357 customers, 39 weeks; columns ID, x, t_x, T, zbar."""
    with lifetimes_wheel.open(
        "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv"
    ) as f:
        return pd.read_csv(f).set_index("ID")


@pytest.fixture(scope="session")
def cdnow_transactions(lifetimes_wheel) -> pd.DataFrame:
    """The 1/10 sample: master id, sample id (the summary's ID), YYYYMMDD, quantity, amount."""
    with lifetimes_wheel.open("lifetimes/datasets/CDNOW_sample.txt") as f:
        raw = pd.read_csv(
            f,
            sep=r"\s+",
            header=None,
            names=["master_id", "customer_id", "date", "quantity", "amount"],
        )
    raw["ordered_at"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw[["customer_id", "ordered_at", "amount"]]
