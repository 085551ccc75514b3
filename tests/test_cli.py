"""The `perlinsos load` command's defaults: where its work goes, and what it says without a Dagster home."""

from __future__ import annotations

from pathlib import Path

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
