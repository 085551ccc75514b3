"""Personal data stays in the data: no NIK and no full name of the registry in a load's logs, in the
Dagster event log (messages, materialization, output and check metadata) or on the CLI's output."""

from __future__ import annotations

import csv
import re
import shutil

import pytest
from dagster import DagsterInstance
from dagster._serdes import serialize_value

from pipelines.cli import _run_config, build_parser, main
from pipelines.definitions import defs
from synth.generate import generate

pytestmark = pytest.mark.slow

DIGITS = re.compile(r"\d{16}")


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    out = tmp_path_factory.mktemp("privacy")
    generate(1500, 31, out, districts=["35.10.15", "35.10.12"])
    return out


@pytest.fixture(scope="module")
def personal(extracts) -> dict[str, set[str]]:
    """NIKs (as written and as digits) and full names of every registry row."""
    with open(extracts / "penduduk.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    niks = {r["NIK"].strip() for r in rows if r["NIK"].strip()}
    niks |= {d for n in niks for d in DIGITS.findall(re.sub(r"\D", "", n))}
    # a family card number has the NIK's shape and may equal a NIK: it is not personal on its own
    niks -= {r["NO_KK"].strip() for r in rows}
    # full names of two words or more (a single word may be an ordinary word of a message)
    names = {" ".join(r["NAMA_LGKP"].split()).upper() for r in rows if len(r["NAMA_LGKP"].split()) >= 2}
    return {"niks": {n for n in niks if len(n) >= 10}, "names": names}


def _leaks(text: str, personal: dict[str, set[str]]) -> list[str]:
    found = [n for n in DIGITS.findall(text) if n in personal["niks"]]
    found += [n for n in personal["niks"] if not n.isdigit() and n in text]
    upper = " ".join(text.upper().split())
    found += [name for name in personal["names"] if name in upper]
    return found


@pytest.fixture(scope="module")
def event_log(extracts, tmp_path_factory) -> str:
    """Every event of a load run, serialised: messages, metadata of outputs, materializations, checks."""
    root = tmp_path_factory.mktemp("privacy-run")
    args = build_parser().parse_args([
        "load", "--extracts", str(extracts), "--warehouse", str(root / "p.duckdb"),
        "--exports", str(root / "exports"), "-v",
    ])
    instance = DagsterInstance.ephemeral()
    try:
        result = defs.resolve_job_def("load").execute_in_process(
            run_config=_run_config(args), instance=instance, raise_on_error=False
        )
        assert result.success
        entries = instance.all_logs(result.run_id)
        kinds = {e.dagster_event.event_type_value for e in entries if e.dagster_event}
        assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION", "STEP_OUTPUT"} <= kinds
        assert any(e.user_message for e in entries)
        return "\n".join(serialize_value(e) for e in entries)
    finally:
        instance.dispose()


def test_the_scan_would_catch_a_leak(personal):
    nik = sorted(n for n in personal["niks"] if n.isdigit())[0]
    name = sorted(personal["names"])[0]
    assert _leaks(f"linked to {nik}", personal) and _leaks(f"owner {name.title()}", personal)
    assert not _leaks("penduduk: 1,500 rows, 12 rejected", personal)


def test_no_nik_or_name_in_the_dagster_event_log(event_log, personal):
    assert len(event_log) > 10_000  # the whole run is there, metadata included
    assert _leaks(event_log, personal) == []


def test_no_nik_or_name_on_the_command_line(extracts, personal, tmp_path, capfd):
    code = main(["load", "--extracts", str(extracts), "--warehouse", str(tmp_path / "p.duckdb"),
                 "--exports", str(tmp_path / "exports"), "-v"])
    out, err = capfd.readouterr()
    assert code == 0 and "published" in out
    assert _leaks(out + err, personal) == []


def test_no_nik_or_name_when_a_load_fails(extracts, personal, tmp_path, capfd):
    broken = tmp_path / "broken"
    shutil.copytree(extracts, broken, ignore=shutil.ignore_patterns("truth"))
    (broken / "kendaraan.csv").unlink()
    code = main(["load", "--extracts", str(broken), "--warehouse", str(tmp_path / "p.duckdb"),
                 "--exports", str(tmp_path / "exports"), "-v"])
    out, err = capfd.readouterr()
    assert code != 0 and "nothing was published" in err
    assert _leaks(out + err, personal) == []
