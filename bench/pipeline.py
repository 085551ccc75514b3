"""Benchmark the whole load at scale: time and peak memory per stage, against a bare DuckDB read.

    .venv/bin/python bench/pipeline.py [--persons 100000 1000000 1700000] [--seed 7] [--out bench/out]
                                       [--profile] [--load-option=OPTION ...]

For every size: generates the set (or reuses it: `extracts/` of bench/sets.py's folder, as
bench/load.py does; above 1,700,000 persons, several regencies put together by bench/compose.py),
then, each in a fresh child process so that no peak carries over,

- times DuckDB reading the five CSV files of the set (`count(*)` of `read_csv(..., all_varchar)`,
  the best of two rounds): the floor any load of these files stands on;
- runs `perlinsos load` on the set (pipelines/cli.py's `run_load`: the Dagster `load` job,
  in-process) with a fresh Dagster instance, warehouse, exports and work folder under
  `pipeline/` of the same folder, while a thread samples the process's resident memory. The
  instance's storage is created before the clock starts: an operator's Dagster home has it
  already, and creating it takes about a second, once.

Steps are grouped into stages by the module that defines them (`assets/<stage>/`), read from the
Definitions, so the grouping follows the asset graph as it changes. Per step and per stage it
prints the wall time (STEP_START to STEP_SUCCESS in the run's events), the share of it spent in
the IO manager (reading and writing intermediate frames), and the peak resident memory while the
stage ran (and at a step's start: what earlier steps left behind), the cores it kept busy (CPU
seconds of all the process's threads per wall second) and the CPU seconds spent in the kernel
(`sys s`: mostly zeroing fresh memory pages on first touch); then the whole load against
the DuckDB read, and how time and memory grow from one size to the next. Every run the command
starts is counted (a step met in several runs is shown per partition); `--load-option` passes an
option on to `perlinsos load`. `--profile` also writes a pyinstrument profile of the load
(`profile.txt`, `.html`; pyinstrument must be installed, it is not a dependency). Never run as a test.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pipelines  # noqa: E402,F401  (first: the allocator setting of `perlinsos`, before Polars loads)
from bench.compose import PART_PERSONS, compose, parts_of  # noqa: E402
from bench.sets import set_dir  # noqa: E402

SIZES = (100_000, 1_000_000, 1_700_000)
EXTRACTS = ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")
SAMPLE_SECONDS = 0.01
# The contract's targets for a regency, printed beside the figures.
TARGET_SECONDS = 60.0
TARGET_PEAK_BYTES = 4e9  # "4 GB" read strictly: 4,000,000,000 bytes, 3,815 MiB
TARGET_RATIO_DUCKDB = 10.0
TARGET_GROWTH = 20.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the set --------------------------------------------------------------------------------------
def extracts_of(persons: int, seed: int, out: Path) -> Path:
    """The extract folder of the set, generated once (in a child process) and reused after."""
    extracts = set_dir(out, persons, seed) / "extracts"
    composed = persons > PART_PERSONS  # several regencies: bench/compose.py
    if not (extracts / ("load.json" if composed else "truth/dirt.csv")).exists():
        t0 = time.perf_counter()
        if composed:
            compose(persons, seed, extracts)
        else:
            r = subprocess.run([sys.executable, __file__, "--_generate", str(extracts),
                                "--persons", str(persons), "--seed", str(seed)])
            if r.returncode != 0:
                raise SystemExit(f"generating {persons:,} persons failed (exit {r.returncode})")
        print(f"generated {persons:,} persons in {time.perf_counter() - t0:.1f} s"
              + (f" ({len(parts_of(persons))} regencies)" if composed else ""), flush=True)
    return extracts


def _child_generate(extracts: Path, persons: int, seed: int) -> None:
    from synth.generate import generate

    generate(persons, seed, extracts)


# --- the DuckDB floor -----------------------------------------------------------------------------
def _csv_file(extracts: Path, name: str) -> Path:
    return extracts / f"{name}.csv"


def _child_duckdb(extracts: Path) -> None:
    import duckdb

    con = duckdb.connect()
    rounds = []
    for _ in range(2):
        per_file = {}
        for name in EXTRACTS:
            t0 = time.perf_counter()
            n = con.sql("SELECT count(*) FROM read_csv(?, header = true, all_varchar = true)",
                        params=[str(_csv_file(extracts, name))]).fetchall()[0][0]
            per_file[name] = {"seconds": time.perf_counter() - t0, "rows": n}
        rounds.append(per_file)
    best = min(rounds, key=lambda r: sum(f["seconds"] for f in r.values()))
    threads = con.sql("SELECT current_setting('threads')").fetchall()[0][0]
    count_peak = _peak_mb()
    # For context: the same files read into tables (every column as text), as ingest must.
    t0 = time.perf_counter()
    for name in EXTRACTS:
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                    [str(_csv_file(extracts, name))])
    tables = time.perf_counter() - t0
    print(json.dumps({"seconds": sum(f["seconds"] for f in best.values()), "files": best,
                      "threads": threads, "peak_mb": count_peak, "tables_seconds": tables}))


# --- stages from the Definitions ------------------------------------------------------------------
_STAGE_MODULE = re.compile(r"^assets\.([A-Za-z_][A-Za-z0-9_]*)\.")


def _module_of(assets_def) -> str | None:
    node = assets_def.node_def
    ops = [node] if not hasattr(node, "node_defs") else list(node.iterate_op_defs())
    for op in ops:
        fn = getattr(op, "compute_fn", None)
        fn = getattr(fn, "decorated_fn", fn)
        module = getattr(fn, "__module__", None)
        if module:
            return module
    return None


def stage_maps(defs) -> tuple[dict[str, str], dict[str, str]]:
    """Stage (the `assets/` folder whose module defines it) of every node name and every asset key;
    the asset's group when its module lies outside `assets/`."""
    by_node: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for ad in defs.get_repository_def().asset_graph.assets_defs:
        m = _STAGE_MODULE.match(_module_of(ad) or "")
        if m:
            stage = m.group(1)
        else:
            groups = {g for g in ad.group_names_by_key.values() if g and g != "default"}
            stage = groups.pop() if len(groups) == 1 else "other"
        by_node[ad.node_def.name] = stage
        for key in ad.keys:
            by_key[key.to_user_string()] = stage
        for check in ad.check_keys:
            by_key.setdefault(check.asset_key.to_user_string(), stage)
    return by_node, by_key


def stage_of_step(step_key: str, by_node: dict[str, str], by_key: dict[str, str],
                  assets_of_step: set[str]) -> str:
    """A step's stage: its node (`op`, `graph.op`, `op[mapping]`), else the assets it materialised."""
    base = step_key.split("[")[0]
    for candidate in (base, base.split(".")[0], base.split(".")[-1]):
        if candidate in by_node:
            return by_node[candidate]
    stages = {by_key[k] for k in assets_of_step if k in by_key}
    return stages.pop() if len(stages) == 1 else "other"


# --- the load -------------------------------------------------------------------------------------
class Sampler(threading.Thread):
    """Resident memory and CPU time (all threads) of this process every SAMPLE_SECONDS, as
    (time.time(), MB, CPU seconds, of them in the kernel)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float, float, float]] = []
        self._halt = threading.Event()

    def _sample(self) -> None:
        cpu = os.times()  # user and system time of all the process's threads
        self.samples.append((time.time(), _rss_mb(), cpu.user + cpu.system, cpu.system))

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self._sample()


def _time_io_manager(io_spans: list[tuple[float, float]]) -> None:
    """Record every call of the IO manager's load_input and handle_output as (start, end) in
    time.time(); each is given to the step running at the time."""
    from pipelines.resources import FrameIOManager

    def timed(method):
        def wrapper(self, context, *args):
            t0 = time.time()
            try:
                return method(self, context, *args)
            finally:
                io_spans.append((t0, time.time()))
        return wrapper

    FrameIOManager.handle_output = timed(FrameIOManager.handle_output)
    FrameIOManager.load_input = timed(FrameIOManager.load_input)


def _child_load(extracts: Path, workdir: Path, profile: bool, load_options: list[str]) -> None:
    for sub in ("dagster_home", "work", "exports", "perlinsos.duckdb", "perlinsos.duckdb.lock"):
        p = workdir / sub
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    (workdir / "dagster_home").mkdir(parents=True)
    (workdir / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # A run history of its own, read back after the load: the events of every run the command started.
    os.environ["DAGSTER_HOME"] = str(workdir / "dagster_home")

    from dagster import DagsterEventType, DagsterInstance

    # Its storage is created before the clock starts, as an operator's Dagster home holds it
    # already: creating the SQLite databases of a fresh home takes about a second, once.
    DagsterInstance.get().dispose()

    from pipelines import cli
    from pipelines.definitions import defs

    io_spans: list[tuple[float, float]] = []
    _time_io_manager(io_spans)
    by_node, by_key = stage_maps(defs)
    args = cli.build_parser().parse_args([
        "load", "--extracts", str(extracts), "--warehouse", str(workdir / "perlinsos.duckdb"),
        "--exports", str(workdir / "exports"), "--work", str(workdir / "work"), *load_options,
    ])
    import_mb = _rss_mb()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    sampler = Sampler()
    sampler.start()
    t0 = time.perf_counter()
    rc = args.func(args)
    wall = time.perf_counter() - t0
    sampler.stop()
    if profiler is not None:
        profiler.stop()
        (workdir / "profile.txt").write_text(profiler.output_text(unicode=True, show_all=False))
        (workdir / "profile.html").write_text(profiler.output_html())

    instance = DagsterInstance.get()
    steps: dict[str, dict] = {}
    step_assets: dict[str, set[str]] = defaultdict(set)
    runs = []
    # Oldest run first; a step key met again in a later run (a run per regency) is told apart by
    # the run's partition, else its number.
    for n, run in enumerate(reversed(instance.get_runs())):
        run_start = run_end = None
        partition = run.tags.get("dagster/partition")
        suffix = f" [{partition}]" if partition else (f" [run {n + 1}]" if n else "")
        for entry in instance.all_logs(run.run_id):
            ev = entry.dagster_event
            if ev is None:
                continue
            kind = ev.event_type.name
            if ev.event_type == DagsterEventType.RUN_START:
                run_start = entry.timestamp
            elif ev.event_type in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
                run_end = entry.timestamp
            if not entry.step_key:
                continue
            label = entry.step_key + suffix
            step = steps.setdefault(label, {"step_key": entry.step_key, "start": None, "end": None, "ok": None})
            if kind == "STEP_START":
                step["start"] = entry.timestamp
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
                step["end"] = entry.timestamp
                step["ok"] = kind == "STEP_SUCCESS"
            elif kind in ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"):
                key = getattr(ev.event_specific_data, "materialization", None)
                key = key.asset_key if key is not None else getattr(ev.event_specific_data, "asset_key", None)
                if key is not None:
                    step_assets[label].add(key.to_user_string())
        runs.append({"run_id": run.run_id, "status": run.status.value, "partition": partition,
                     "seconds": (run_end - run_start) if run_start and run_end else None})

    samples = sampler.samples
    times = [t for t, *_ in samples]
    for key, step in steps.items():
        step["stage"] = stage_of_step(step["step_key"], by_node, by_key, step_assets.get(key, set()))
        if step["start"] is None or step["end"] is None:
            step["io_seconds"] = 0.0
            step["seconds"] = None
            step["peak_mb"] = None
            continue
        step["seconds"] = step["end"] - step["start"]
        step["io_seconds"] = sum(b - a for a, b in io_spans if step["start"] <= a <= step["end"])
        # samples are in time order: those up to the step's start, and up to its end
        at_start = bisect.bisect_right(times, step["start"])
        at_end = bisect.bisect_right(times, step["end"])
        first_inside = bisect.bisect_left(times, step["start"])
        inside = [mb for _, mb, *_ in samples[first_inside:at_end]]
        last_before = samples[at_start - 1] if at_start else None
        step["cpu_seconds"] = samples[at_end - 1][2] - last_before[2] if last_before else None
        step["sys_seconds"] = samples[at_end - 1][3] - last_before[3] if last_before else None
        step["start_mb"] = last_before[1] if last_before else import_mb
        step["peak_mb"] = max(inside + [step["start_mb"]])
    work = workdir / "work"
    io_bytes = sum(f.stat().st_size for f in work.rglob("*") if f.is_file()) if work.exists() else 0
    print(json.dumps({
        "rc": rc, "wall": wall, "runs": runs, "steps": steps,
        "peak_mb": _peak_mb(), "sampled_peak_mb": max(mb for _, mb, *_ in samples), "import_mb": import_mb,
        "work_bytes": io_bytes, "cpu_count": os.cpu_count(),
    }, default=str))


# --- the parent: run, collect, print --------------------------------------------------------------
def _child(kind: str, *argv: str) -> dict:
    env = dict(os.environ)
    r = subprocess.run([sys.executable, __file__, f"--_{kind}", *argv], capture_output=True, text=True, env=env)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        tail = r.stderr.strip().splitlines()[-8:]
        return {"error": f"{kind} failed (exit {r.returncode}): " + " | ".join(tail)}
    out = json.loads(lines[-1])
    out["stderr_tail"] = r.stderr.strip().splitlines()[-8:]
    return out


def stage_table(load: dict) -> list[dict]:
    """Per stage, in the order stages started: steps, seconds, IO seconds, CPU seconds, peak MB."""
    stages: dict[str, dict] = {}
    for key, s in sorted(load["steps"].items(), key=lambda kv: kv[1]["start"] or 0):
        st = stages.setdefault(s["stage"], {"stage": s["stage"], "steps": 0, "seconds": 0.0,
                                            "io_seconds": 0.0, "cpu_seconds": 0.0, "sys_seconds": 0.0,
                                            "peak_mb": 0.0})
        st["steps"] += 1
        st["cpu_seconds"] += s.get("cpu_seconds") or 0.0
        st["sys_seconds"] += s.get("sys_seconds") or 0.0
        st["seconds"] += s["seconds"] or 0.0
        st["io_seconds"] += s["io_seconds"]
        st["peak_mb"] = max(st["peak_mb"], s["peak_mb"] or 0.0)
    return list(stages.values())


def run_seconds(load: dict) -> float:
    """The Dagster runs' time, RUN_START to RUN_SUCCESS."""
    return sum(r["seconds"] or 0.0 for r in load["runs"])


def _cores(s: dict) -> str:
    """CPU seconds (all threads) per wall second of a step or stage: how many cores it kept busy."""
    if not s.get("seconds") or s.get("cpu_seconds") is None:
        return "-"
    return f"{s['cpu_seconds'] / s['seconds']:.2f}"


def _sys(s: dict) -> str:
    """CPU seconds spent in the kernel: mostly the first touch of fresh memory pages, which the
    kernel zeroes (docs/architecture.md, "Memory allocator")."""
    return "-" if s.get("sys_seconds") is None else f"{s['sys_seconds']:.2f}"


def _print_size(persons: int, load: dict, floor: dict) -> None:
    steps_total = sum(s["seconds"] or 0.0 for s in load["steps"].values())
    print(f"\n== {persons:,} persons ==")
    print(f"{'step':<52}{'stage':<13}{'seconds':>9}{'io s':>8}{'cores':>7}{'sys s':>7}"
          f"{'MB at start':>12}{'peak MB':>9}")
    for key, s in sorted(load["steps"].items(), key=lambda kv: -(kv[1]["seconds"] or 0)):
        sec = "-" if s["seconds"] is None else f"{s['seconds']:.2f}"
        peak = "-" if s["peak_mb"] is None else f"{s['peak_mb']:,.0f}"
        start = "-" if s.get("start_mb") is None else f"{s['start_mb']:,.0f}"
        print(f"{key[:51]:<52}{s['stage']:<13}{sec:>9}{s['io_seconds']:>8.2f}{_cores(s):>7}{_sys(s):>7}"
              f"{start:>12}{peak:>9}")
    print(f"\n{'stage':<14}{'steps':>6}{'seconds':>9}{'share':>8}{'io s':>8}{'cores':>7}{'sys s':>7}{'peak MB':>9}")
    for st in stage_table(load):
        print(f"{st['stage']:<14}{st['steps']:>6}{st['seconds']:>9.2f}"
              f"{100 * st['seconds'] / max(steps_total, 1e-9):>7.0f}%{st['io_seconds']:>8.2f}"
              f"{_cores(st):>7}{_sys(st):>7}{st['peak_mb']:>9,.0f}")
    run_s = run_seconds(load)
    print(f"{'steps':<14}{'':>6}{steps_total:>9.2f}{'':>8}"
          f"{sum(s['io_seconds'] for s in load['steps'].values()):>8.2f}")
    print(f"{'job run':<14}{len(load['runs']):>6}{run_s:>9.2f}   (RUN_START to RUN_SUCCESS)")
    print(f"{'load':<14}{'':>6}{load['wall']:>9.2f}   (`perlinsos load` from start to exit, "
          f"imports excepted: the figure below)")
    print(f"peak RSS {load['peak_mb']:,.0f} MB (sampled {load['sampled_peak_mb']:,.0f} MB, "
          f"{load['import_mb']:,.0f} MB after imports); intermediate files "
          f"{load['work_bytes'] / 2**20:,.0f} MB")
    if "error" in floor:
        print(f"DuckDB read: {floor['error']}")
        return
    files = ", ".join(f"{n} {f['seconds']:.2f}" for n, f in floor["files"].items())
    print(f"DuckDB read of the five CSV files: {floor['seconds']:.2f} s ({files}; "
          f"{floor['threads']} threads, peak {floor['peak_mb']:,.0f} MB); into tables: "
          f"{floor['tables_seconds']:.2f} s")
    print(f"load / DuckDB read: {load['wall'] / max(floor['seconds'], 1e-9):.1f}x")


def _print_summary(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    print("\n== summary ==")
    stages: list[str] = []
    for n in sizes:
        for st in stage_table(results[n]["load"]):
            if st["stage"] not in stages:
                stages.append(st["stage"])
    head = f"{'persons':>10}" + "".join(f"{s[:11]:>12}" for s in stages)
    print("seconds per stage / peak MB per stage")
    print(head + f"{'load s':>9}{'duckdb s':>9}{'ratio':>7}{'peak MB':>9}")
    for n in sizes:
        load, floor = results[n]["load"], results[n]["duckdb"]
        by = {st["stage"]: st for st in stage_table(load)}
        run_s = load["wall"]
        ff = floor.get("seconds")
        row = f"{n:>10,}" + "".join(
            f"{by[s]['seconds']:>6.1f}/{by[s]['peak_mb']:>5,.0f}" if s in by else f"{'-':>12}" for s in stages)
        row += f"{run_s:>9.1f}" + (f"{ff:>9.2f}" if ff else f"{'-':>9}")
        row += f"{(run_s / ff) if ff else float('nan'):>7.1f}{load['peak_mb']:>9,.0f}"
        print(row)
    if len(sizes) > 1:
        print("\ngrowth from one size to the next (x: persons, load time, peak memory, per stage time)")
        print(f"{'from':>10}{'to':>11}{'persons':>9}{'time':>7}{'memory':>8}" + "".join(f"{s[:9]:>10}" for s in stages))
        for a, b in zip(sizes, sizes[1:]):
            la, lb = results[a]["load"], results[b]["load"]
            ta, tb = la["wall"], lb["wall"]
            sa = {st["stage"]: st["seconds"] for st in stage_table(la)}
            sb = {st["stage"]: st["seconds"] for st in stage_table(lb)}
            print(f"{a:>10,}{b:>11,}{b / a:>9.1f}{tb / ta:>7.1f}{lb['peak_mb'] / la['peak_mb']:>8.1f}"
                  + "".join(f"{sb[s] / sa[s]:>10.1f}" if sa.get(s) and s in sb else f"{'-':>10}" for s in stages))
    big = sizes[-1]
    load, floor = results[big]["load"], results[big]["duckdb"]
    run_s = load["wall"]
    print(f"\ntargets at {big:,} persons: load {run_s:.1f} s (< {TARGET_SECONDS:.0f}), "
          f"peak {load['peak_mb']:,.0f} MiB = {load['peak_mb'] * 2**20 / 1e9:.2f} GB "
          f"(< {TARGET_PEAK_BYTES / 1e9:.0f} GB), "
          f"{run_s / floor['seconds'] if floor.get('seconds') else float('nan'):.1f}x DuckDB read "
          f"(< {TARGET_RATIO_DUCKDB:.0f})", end="")
    if sizes[0] != big:
        t0 = results[sizes[0]]["load"]["wall"]
        print(f", {run_s / t0:.1f}x the {sizes[0]:,}-person time (<= {TARGET_GROWTH:.0f})")
    else:
        print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of each load")
    parser.add_argument("--load-option", action="append", default=[], metavar="OPTION",
                        help="an option passed on to `perlinsos load` (repeatable), e.g. --load-option=-v")
    parser.add_argument("--_generate", help=argparse.SUPPRESS)
    parser.add_argument("--_duckdb", help=argparse.SUPPRESS)
    parser.add_argument("--_load", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._generate:
        _child_generate(Path(args._generate), args.persons[0], args.seed)
        return 0
    if args._duckdb:
        _child_duckdb(Path(args._duckdb))
        return 0
    if args._load:
        _child_load(Path(args._load[0]), Path(args._load[1]), args.profile, args.load_option)
        return 0

    out = Path(args.out).resolve()  # Dagster wants an absolute DAGSTER_HOME
    results: dict[int, dict] = {}
    for persons in sorted(set(args.persons)):
        extracts = extracts_of(persons, args.seed, out)
        workdir = set_dir(out, persons, args.seed) / "pipeline"
        workdir.mkdir(parents=True, exist_ok=True)
        floor = _child("duckdb", str(extracts))
        load = _child("load", str(extracts), str(workdir), *(["--profile"] if args.profile else []),
                      *(f"--load-option={o}" for o in args.load_option))
        if "error" in load or load["rc"] != 0:
            print(f"\n{persons:,} persons: the load failed: {load.get('error', 'exit ' + str(load.get('rc')))}")
            print("\n".join(load.get("stderr_tail", [])))
            return 1
        results[persons] = {"load": load, "duckdb": floor}
        (workdir / "result.json").write_text(json.dumps(results[persons], indent=1, default=str))
        _print_size(persons, load, floor)
    _print_summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
