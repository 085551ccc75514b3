"""The `perlinsos` command: generate synthetic extracts, run a load headless, explain a decision."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from pipelines.resources import PROJECT_ROOT


def _run_config(args: argparse.Namespace) -> dict:
    from pipelines.resources import load_run_config

    return load_run_config(
        args.extracts,
        args.warehouse,
        args.exports,
        work_dir=args.work,
        policy_path=args.policy,
        load_date=args.load_date,
        log_level="DEBUG" if args.verbose else "WARNING",
        stack_traces=args.verbose,
    )


def _instance():
    from dagster import DagsterInstance

    from assets.concurrency import file_lock

    if os.environ.get("DAGSTER_HOME"):
        # The first use of a Dagster home creates its storage; two loads starting together on a
        # new home would both create it (`table runs already exists`): one at a time.
        with file_lock(Path(os.environ["DAGSTER_HOME"]) / ".perlinsos-instance.lock"):
            return DagsterInstance.get()
    # Without a Dagster home the run is forgotten when the command exits: nothing to compare the
    # next load's link rate with (`link_rate_stable` passes for want of a previous load).
    print("perlinsos load: DAGSTER_HOME is not set, so this load's run is not kept and the link-rate "
          "check has no earlier load to compare with; set DAGSTER_HOME to a folder that stays "
          "(the Makefile uses .dagster_home)", file=sys.stderr)
    return DagsterInstance.ephemeral()


def _root_cause(error) -> str:
    """The innermost error message of a failed step: its class and first line, 16-digit runs
    masked (our own errors carry no personal data; another library's message may quote a value)."""
    from assets.publishing.explain import mask_text

    while error is not None and getattr(error, "cause", None) is not None:
        error = error.cause
    if error is None:
        return "unknown error"
    message = error.message.strip()
    name = error.cls_name or ""
    # Dagster writes the qualified class before the message (`assets.ingest.read.ExtractError: …`)
    head, sep, rest = message.partition(": ")
    if sep and name and head.split(".")[-1] == name:
        message = rest
    lines = message.splitlines() or [""]
    more = " (…; `perlinsos load -v` shows the whole error and its stack trace)" if len(lines) > 1 else ""
    return mask_text(f"{name}: {lines[0]}" if name else lines[0]) + more


def _report_failure(results) -> None:
    """The failing steps and failed checks of a stopped load (our messages carry no personal data)."""
    print("perlinsos load: the load failed; nothing was published.", file=sys.stderr)
    for result in results:
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                print(f"  step {event.step_key}: {_root_cause(event.step_failure_data.error)}", file=sys.stderr)
        for event in result.all_events:
            if event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
                check = event.event_specific_data
                why = f": {check.description}" if check.description else ""
                print(f"  check {check.check_name} on {check.asset_key.to_user_string()} failed{why}", file=sys.stderr)


def run_load(args: argparse.Namespace) -> int:
    from pipelines.backfill import load_by_regency, run_job
    from pipelines.definitions import load_job_in_process

    if args.load_date:
        date.fromisoformat(args.load_date)
    instance = _instance()
    try:
        if getattr(args, "by_regency", False):
            load = load_by_regency(_run_config(args), instance, args.extracts)
            results, success = load.results, load.success
        else:
            results = [run_job(load_job_in_process, _run_config(args), instance)]
            success = results[0].success
        if not success:
            _report_failure(results)
            return 1
    finally:
        instance.dispose()
    print_summary(Path(args.warehouse), results[-1].load_id, results[-1].exports_path)
    return 0


def print_summary(db_path: Path, load_id: str, exports_path: str) -> None:
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        load = con.execute(
            "SELECT load_date, scope, policy_version, penduduk_rows, tanah_rows, kendaraan_rows, rumah_rows "
            "FROM mart.loads WHERE load_id = ?",
            [load_id],
        ).fetchone()
        print(f"Load {load_id} published (policy {load[2]})")
        print(f"  extracts: penduduk {load[3]:,} rows, tanah {load[4]:,}, kendaraan {load[5]:,}, rumah {load[6]:,}")
        q = con.execute(
            "SELECT source, action, count(*) FROM mart.quarantine WHERE load_id = ? GROUP BY ALL ORDER BY ALL",
            [load_id],
        ).fetchall()
        print("  quarantine: " + (", ".join(f"{s} {a} {n:,}" for s, a, n in q) or "none"))
        links = con.execute(
            "SELECT source, method, count(*) FROM mart.asset_links WHERE load_id = ? GROUP BY ALL ORDER BY ALL",
            [load_id],
        ).fetchall()
        by_source: dict[str, list[str]] = {}
        for s, m, n in links:
            by_source.setdefault(s, []).append(f"{m} {n:,}")
        for s, parts in by_source.items():
            print(f"  links {s}: " + ", ".join(parts))
        statuses = con.execute(
            "SELECT status, count(*), sum(members) FROM mart.households WHERE load_id = ? GROUP BY ALL ORDER BY ALL",
            [load_id],
        ).fetchall()
        print("  households: " + ", ".join(f"{s} {n:,} ({p:,} persons)" for s, n, p in statuses))
        programs = con.execute(
            "SELECT p, count(*) FROM (SELECT unnest(programs) AS p FROM mart.households "
            "WHERE load_id = ? AND status = 'ELIGIBLE') GROUP BY ALL ORDER BY ALL",
            [load_id],
        ).fetchall()
        print("  eligible for: " + (", ".join(f"{p} {n:,}" for p, n in programs) or "none"))
        reasons = con.execute(
            "SELECT kind, code, count(DISTINCT no_kk) FROM mart.household_reasons WHERE load_id = ? "
            "GROUP BY ALL ORDER BY ALL",
            [load_id],
        ).fetchall()
        print("  reasons (households): " + ", ".join(f"{c} {n:,}" for _, c, n in reasons))
    finally:
        con.close()
    print(f"  database: {db_path}")
    print(f"  exports:  {exports_path}")


def run_synth(args: argparse.Namespace) -> int:
    from synth.generate import generate

    districts = [d.strip() for d in args.districts.split(",")] if args.districts else None
    kwargs = {"load_date": date.fromisoformat(args.load_date)} if args.load_date else {}
    if args.second_regency:
        kwargs["second_regency"] = [d.strip() for d in args.second_regency.split(",")]
    summary = generate(args.persons, args.seed, Path(args.out), districts=districts, **kwargs)
    print(f"Synthetic extracts written to {args.out}")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from assets.publishing.explain import explain_household

    text = explain_household(Path(args.warehouse), args.no_kk, load_date=args.load_date)
    print(text)
    return 0


def _iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perlinsos",
        description="Perlinsos: integrate population, land, vehicle and housing data and decide social-aid eligibility.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="generate synthetic extracts with ground truth")
    synth.add_argument("--persons", type=int, required=True, help="number of registry persons")
    synth.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
    synth.add_argument("--out", required=True, help="folder to write the extracts into")
    synth.add_argument("--districts", help="comma-separated district codes, e.g. 35.10.15,35.10.12 (default: all of 35.10)")
    synth.add_argument("--load-date", help="load date written to load.json (YYYY-MM-DD)")
    synth.add_argument(
        "--second-regency",
        help="comma-separated generated districts delivered as a second, synthetic regency (35.99), "
        "e.g. 35.10.12: a folder whose scope spans two regencies",
    )
    synth.set_defaults(func=run_synth)

    default_wh = os.environ.get("PERLINSOS_WAREHOUSE") or str(PROJECT_ROOT / "warehouse" / "perlinsos.duckdb")
    default_ex = os.environ.get("PERLINSOS_EXPORTS") or str(PROJECT_ROOT / "exports")
    load = sub.add_parser("load", help="run a full load of one extract folder (the Dagster 'load' job, in-process)")
    load.add_argument("--extracts", required=True, help="folder with penduduk, tanah, kendaraan, rumah, wilayah")
    load.add_argument("--warehouse", default=default_wh, help="DuckDB file to publish into (default: %(default)s)")
    load.add_argument("--exports", default=default_ex, help="folder for district exports (default: %(default)s)")
    load.add_argument("--load-date", help="override the load date (YYYY-MM-DD); default $PERLINSOS_LOAD_DATE, else load.json, else today")
    load.add_argument("--policy", help="policy file (default: $PERLINSOS_POLICY, else data/policy.toml)")
    load.add_argument(
        "--work",
        default=os.environ.get("PERLINSOS_WORK") or None,
        help="folder for intermediate files, personal data: keep private (default: $PERLINSOS_WORK, else "
        "'work' beside the warehouse); one load at a time uses a folder",
    )
    load.add_argument("-v", "--verbose", action="store_true", help="show Dagster's step logs and a failed step's stack trace (NIKs still masked)")
    load.add_argument(
        "--by-regency",
        action="store_true",
        help="run it as one run per regency of the scope, then one whole-scope run (as a backfill in the UI does)",
    )
    load.set_defaults(func=run_load)

    explain = sub.add_parser("explain", help="show one household's decision as an office would show the family")
    explain.add_argument("no_kk", help="family card number")
    explain.add_argument("--warehouse", default=default_wh, help="DuckDB file (default: %(default)s)")
    explain.add_argument("--load-date", type=_iso_date, help="load date YYYY-MM-DD (default: the latest load)")
    explain.set_defaults(func=run_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"perlinsos {args.command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a file that is not a DuckDB database, or one it cannot open
        import duckdb

        if not isinstance(exc, duckdb.Error):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"perlinsos {args.command}: the database cannot be read ({type(exc).__name__}: {first})",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
