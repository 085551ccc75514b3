"""The Dagster code location loads, and holds every asset of the flow in its stage group."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs

EXPECTED = {
    "ingest": {
        "raw_wilayah",  # the other extracts' text stays within their validation step
        *(f"raw_{n}_file" for n in ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")),
        "extract_files",
        "policy",
        "load_info",
    },
    "validation": {
        "wilayah", "wilayah_quarantine", "penduduk", "penduduk_quarantine", "penduduk_flags",
        "penduduk_unlisted", "tanah",
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


REGENCY = {
    *(f"{prefix}{n}{suffix}" for n in ("penduduk", "tanah", "kendaraan", "rumah")
      for prefix, suffix in (("raw_", "_file"), ("", ""), ("", "_quarantine"))),
    "penduduk_flags",
    "penduduk_unlisted",
}
FOLDER = {"raw_wilayah", "raw_wilayah_file", "wilayah", "wilayah_quarantine", "policy", "load_info"}
SCOPE = {"extract_files", "quarantine", "asset_links", "members", "households", "household_reasons",
         "score_components", "warehouse", "district_exports"}


def test_the_regency_half_is_partitioned_and_the_whole_scope_reads_every_regency():
    from pipelines.partitions import regencies

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string(): k for k in graph.get_all_asset_keys()}
    assert set(keys) == REGENCY | FOLDER | SCOPE
    partitioned = {name for name, k in keys.items() if graph.get(k).partitions_def is not None}
    assert partitioned == REGENCY
    for name in REGENCY:
        node = graph.get(keys[name])
        assert node.partitions_def == regencies
        assert node.backfill_policy == dg.BackfillPolicy.multi_run(1)
    # a regency step needs only folder-level assets: each regency run is independent of the others
    for name in REGENCY:
        assert {p.to_user_string() for p in graph.get(keys[name]).parent_keys} <= FOLDER
    # deciles and NIK links after the regencies, over all of them
    whole_readers = set()
    for name in SCOPE:
        for parent in graph.get(keys[name]).parent_keys:
            if parent.to_user_string() in REGENCY:
                whole_readers.add(name)
                assert isinstance(graph.get_partition_mapping(keys[name], parent), dg.AllPartitionMapping)
    assert {"asset_links", "households", "quarantine", "extract_files"} <= whole_readers
    # the per-regency check is partitioned with its asset; a check never reads every regency
    nik = defs.resolve_assets_def("penduduk_quarantine")
    assert nik.partitions_def == regencies
    assert "valid_nik_share_within_policy" in {c.name for c in nik.check_keys}


def test_a_load_a_regency_run_and_a_whole_scope_run_select_their_halves():
    def selected(job_name: str) -> set[str]:
        job = defs.resolve_job_def(job_name)
        return {k.to_user_string() for k in job.asset_layer.executable_asset_keys}

    assert selected("load") == REGENCY | FOLDER | SCOPE
    assert selected("load_regency") == REGENCY | FOLDER
    assert selected("load_scope") == SCOPE
    assert defs.resolve_job_def("load_regency").partitions_def.name == "regency"
    assert defs.resolve_job_def("load_scope").partitions_def is None
    for name in ("load_regency", "load_scope"):
        assert defs.resolve_job_def(name).tags["dagster/retry_on_asset_or_op_failure"] == "false"


def test_a_step_reads_only_the_columns_its_input_names(tmp_path):
    """`FrameIOManager` hands a step only the columns its `AssetIn` metadata lists (in the file's
    order; a listed column the file lacks is not invented), and the whole frame otherwise."""
    import polars as pl

    from pipelines.resources import FrameIOManager

    io = FrameIOManager(base_dir=str(tmp_path))
    frame = pl.DataFrame({"A": [1, 2], "B": ["x", "y"], "C": [True, False]})
    io.handle_output(dg.build_output_context(asset_key=dg.AssetKey("t")), frame)

    def read(metadata: dict | None):
        return io.load_input(dg.build_input_context(asset_key=dg.AssetKey("t"), definition_metadata=metadata))

    assert read(None).equals(frame)
    assert read({"columns": ["C", "A", "Z"]}).equals(frame.select("A", "C"))
    # deferred: nothing read until the step asks, then the same columns
    deferred = read({"columns": ["C", "A"], "deferred": True})
    assert not isinstance(deferred, pl.DataFrame)
    assert deferred.load().equals(frame.select("A", "C"))
    # the steps that narrow their reads
    links = defs.resolve_assets_def("asset_links")
    eligibility = defs.resolve_assets_def("households")
    from assets.linkage.match import COLUMNS

    for name, cols in COLUMNS.items():
        assert links.node_def.input_def_named(name).metadata["columns"] == list(cols)
    assert "NAMA_PEMEGANG" not in eligibility.node_def.input_def_named("tanah").metadata["columns"]
    # what eligibility needs only for the holdings is read when it builds them (tests/test_end_to_end.py)
    deferred = {name for name in ("penduduk", "penduduk_flags", "rumah", "tanah", "kendaraan", "asset_links")
                if eligibility.node_def.input_def_named(name).metadata.get("deferred")}
    assert deferred == {"rumah", "tanah", "kendaraan", "asset_links"}


def test_the_code_location_takes_its_modules_out_of_the_cyclic_collectors_reach():
    """Importing the code location freezes what it built (gc.freeze): full collections during a
    load no longer scan Dagster's and the asset graph's objects."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import gc; n = gc.get_freeze_count(); import pipelines.definitions; "
         "print(n, gc.get_freeze_count(), len(gc.get_objects()))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    before, frozen, tracked = (int(x) for x in out)
    assert before == 0 and frozen > 100_000 and tracked < frozen / 10
