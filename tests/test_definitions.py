"""The Dagster code location loads, and holds every asset of the flow in its stage group."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs

EXPECTED = {
    "ingest": {
        *(f"raw_{n}" for n in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")),
        *(f"raw_{n}_file" for n in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")),
        "extract_files",
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
    graph = defs.resolve_asset_graph()
    checks = {key.name: key.asset_key.to_user_string() for key in graph.asset_check_keys}
    assert checks == {
        "extracts_not_empty": "extract_files",
        "quarantine_rate_within_policy": "quarantine",
        "valid_nik_share_within_policy": "penduduk_quarantine",
        "link_rate_stable": "asset_links",
        "decisions_are_explained": "households",
        "exports_match_warehouse": "district_exports",
    }
    blocking = {key.name for key in graph.asset_check_keys if graph.get_check_spec(key).blocking}
    assert blocking == set(checks) - {"exports_match_warehouse"}  # that one runs after publishing
    # every checked asset before publishing is upstream of the warehouse, so a failure stops it
    upstream = graph.get(dg.AssetKey("warehouse")).parent_keys
    ancestors = set(upstream)
    frontier = list(upstream)
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                frontier.append(parent)
    assert {graph.get_check_spec(k).asset_key for k in graph.asset_check_keys if k.name in blocking} <= ancestors


def test_the_schedule_and_the_landing_sensor_are_present_and_start_the_load_job():
    schedules = {s.name: s for s in defs.schedules}
    sensors = {s.name: s for s in defs.sensors}
    assert set(schedules) == {"load_schedule"} and set(sensors) == {"landing_sensor"}
    assert schedules["load_schedule"].job_name == "load"
    assert schedules["load_schedule"].default_status == dg.DefaultScheduleStatus.STOPPED
    assert sensors["landing_sensor"].job_name == "load"
    assert defs.resolve_schedule_def("load_schedule") and defs.resolve_sensor_def("landing_sensor")


def test_the_warehouse_writer_steps_share_one_concurrency_pool():
    from assets.publishing.assets import WAREHOUSE_POOL

    node = defs.resolve_job_def("load").graph.node_named("warehouse")
    assert node.definition.pool == WAREHOUSE_POOL
