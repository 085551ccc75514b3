"""The `perlinsos load` command's defaults: where its work goes, and what it says without a Dagster home."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import _instance, _run_config, build_parser


def _load_args(*extra: str):
    return build_parser().parse_args(["load", "--extracts", "x", "--warehouse", "/data/wh/p.duckdb", *extra])


def _work(args) -> str:
    return _run_config(args)["resources"]["io_manager"]["config"]["base_dir"]


def test_work_goes_beside_the_warehouse_by_default():
    assert Path(_work(_load_args())) == Path("/data/wh/work")


def test_work_follows_perlinsos_work_and_the_option_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("PERLINSOS_WORK", str(tmp_path / "private"))
    assert Path(_work(_load_args())) == tmp_path / "private"
    assert Path(_work(_load_args("--work", str(tmp_path / "mine")))) == tmp_path / "mine"


def test_without_a_dagster_home_the_load_says_its_run_is_not_kept(capsys):
    instance = _instance()
    assert instance.is_ephemeral
    err = capsys.readouterr().err
    assert "DAGSTER_HOME is not set" in err and "link-rate check" in err


def test_with_a_dagster_home_the_run_is_kept_and_nothing_is_said(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = _instance()
    try:
        assert not instance.is_ephemeral
        assert capsys.readouterr().err == ""
    finally:
        instance.dispose()


def test_the_terminal_log_masks_sixteen_digit_runs_and_keeps_stack_traces_for_verbose():
    import logging

    from pipelines.logs import STACK_TRACE, _Tidy

    message = ('validate_tanah - STEP_FAILURE - Execution of step "validate_tanah" failed.\n\n'
               "InvalidOperationError: conversion failed for value '3510150101800001'" + STACK_TRACE
               + '\n  File "x.py", line 1')

    def shown(stack_traces: bool) -> str:
        record = logging.LogRecord("perlinsos", logging.ERROR, __file__, 1, "%s", (message,), None)
        assert _Tidy(stack_traces).filter(record)
        return record.getMessage()

    quiet, verbose = shown(False), shown(True)
    skipped = logging.LogRecord("perlinsos", logging.ERROR, __file__, 1, "%s", (
        "warehouse - Dependencies for step warehouse failed: ['validate_tanah']. Not executing.",), None)
    assert not _Tidy(False).filter(skipped) and _Tidy(True).filter(skipped)
    assert "351015******0001" in quiet and "3510150101800001" not in quiet
    assert "Stack Trace" not in quiet and 'File "x.py"' not in quiet
    assert "Stack Trace" in verbose and "3510150101800001" not in verbose


def test_a_failed_steps_summary_is_its_first_line_masked():
    from types import SimpleNamespace

    from pipelines.cli import _root_cause

    ours = SimpleNamespace(cls_name="ExtractError", cause=None,
                           message="assets.ingest.read.ExtractError: tanah.csv: required column(s) missing: NIB\n")
    assert _root_cause(SimpleNamespace(cause=ours)) == "ExtractError: tanah.csv: required column(s) missing: NIB"
    other = SimpleNamespace(cls_name="InvalidOperationError", cause=None,
                            message="polars.exceptions.InvalidOperationError: failed for value '3510150101800001'\n"
                                    "Resolved plan until failure: ...")
    summary = _root_cause(other)
    assert summary.startswith("InvalidOperationError: failed for value '351015******0001'")
    assert "3510150101800001" not in summary and "Resolved plan" not in summary and "-v" in summary


def test_a_malformed_load_date_in_the_environment_is_named(monkeypatch):
    from pipelines.resources import PerlinsosSettings

    monkeypatch.setenv("PERLINSOS_LOAD_DATE", "2026-13-01")
    with pytest.raises(ValueError, match="PERLINSOS_LOAD_DATE must be a calendar date YYYY-MM-DD, not '2026-13-01'"):
        PerlinsosSettings().load_date_override()
    with pytest.raises(ValueError, match="the run's load_date must be a calendar date"):
        PerlinsosSettings(load_date="2026-02-30").load_date_override()
    monkeypatch.setenv("PERLINSOS_LOAD_DATE", "2026-11-01")
    assert str(PerlinsosSettings().load_date_override()) == "2026-11-01"
