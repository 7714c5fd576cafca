"""`segmint export segment` for the tools that contact customers, as a user runs it."""

import datetime as dt
import json

import pandas as pd

from tests.cli.test_cli import segmint
from tests.conftest import built_demo, copied


def test_a_template_export_says_who_was_left_out_in_either_language(tmp_path_factory, tmp_path):
    folder = copied(
        built_demo(tmp_path_factory, "exports", customers=300, seed=4, as_of=dt.date(2026, 6, 30)),
        tmp_path,
    )
    out = tmp_path / "sms.csv"
    done = segmint(
        "export", "segment", "stage.active", "--template", "sms", "--encoding", "gb18030",
        "--out", out, "-w", folder, "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    told = json.loads(done.stdout)
    assert told["reach"]["exported"] == told["rows"] > 0 and told["reach"]["no_consent"] > 0
    got = pd.read_csv(out, encoding="gb18030", dtype=str)
    assert list(got.columns) == ["phone", "name", "customer_id", "segment"]
    assert len(got) == told["rows"]
    zh = segmint(
        "export", "segment", "stage.active", "--template", "wecom", "--out",
        tmp_path / "wecom.xlsx", "-w", folder, "--lang", "zh-CN",
    )  # fmt: skip
    assert zh.returncode == 0 and "未同意接收企业微信消息" in zh.stdout
    again = segmint(
        "export", "segment", "stage.active", "--template", "sms", "--out", out, "-w", folder
    )
    assert again.returncode == 2 and "--force" in again.stderr  # the file is kept
    fax = segmint(
        "export", "segment", "stage.active", "--template", "fax", "--out", tmp_path / "f.csv",
        "-w", folder,
    )  # fmt: skip
    assert fax.returncode == 1 and "email, sms, wecom" in fax.stderr
    assert "Traceback" not in fax.stderr and not (tmp_path / "f.csv").exists()
