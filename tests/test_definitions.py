"""The Dagster code location loads, and holds every asset of the flow in its stage group."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs

EXPECTED = {
    "ingest": {
        *(f"raw_{n}" for n in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")),
        *(f"raw_{n}_file" for n in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")),
        "policy",
        "load_info",
    },
    "validation": {
        "wilayah", "wilayah_quarantine", "penduduk", "penduduk_quarantine", "penduduk_flags", "tanah",
        "tanah_quarantine", "kendaraan", "kendaraan_quarantine", "rumah", "rumah_quarantine", "quarantine",
    },
    "linkage": {"asset_links"},
    "eligibility": {"members", "households", "household_reasons", "score_components"},
    "publishing": {"warehouse", "district_exports"},
}


def test_definitions_load_and_every_asset_is_in_its_stage():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        groups.setdefault(node.group_name, set()).add(key.to_user_string())
    assert groups == EXPECTED


def test_load_job_selects_every_asset_and_runs_in_process():
    job = defs.resolve_job_def("load")
    assert isinstance(job, dg.JobDefinition)
    assert job.executor_def.name == "in_process"
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert set().union(*EXPECTED.values()) == keys


def test_publishing_runs_after_everything_it_reports():
    graph = defs.resolve_asset_graph()
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey("warehouse")).parent_keys}
    assert {"households", "household_reasons", "score_components", "members", "asset_links", "quarantine"} <= upstream
    assert "warehouse" in {k.to_user_string() for k in graph.get(dg.AssetKey("district_exports")).parent_keys}


def test_blocking_checks_guard_publication():
    checks = {key.name: key.asset_key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {"quarantine_rate_within_policy": "quarantine", "decisions_are_explained": "households"}
