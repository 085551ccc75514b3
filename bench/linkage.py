"""Benchmark the linkage on a generated set against the generator's truth.

    .venv/bin/python bench/linkage.py --persons 100000 [--seed 7] [--out bench/out]
                                      [--vs-splink] [--blocking]

Generates the set (or reuses it), validates the extracts into the typed frames the pipeline
links, runs `link_assets` in a child process (so that its peak memory is its own), and prints,
per source and per method, precision and recall against `truth/` (tanah, kendaraan: the owner
NIK and whether the owner can be told apart at all; rumah: the NO_KK), the share linked
automatically, the candidate pairs compared per record, wall time and peak memory.

`--vs-splink` also links the land and vehicle records with Splink (an optional benchmark-only
dependency: `pip install -e .[bench]`) on the same records and the same normalised names, and
prints both side by side. `--blocking` times the candidate generation (the blocking joins) in
polars against the same joins in DuckDB. Never run as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sets import set_dir, sources_fingerprint  # noqa: E402

ACCEPTED = ("NIK_EXACT", "NIK_REPAIRED", "NAME_MATCH")
SOURCES = ("tanah", "kendaraan", "rumah")
SPLINK_ACCEPT = 0.99  # Splink: match probability of an accepted best candidate
SPLINK_GAP = 4.32  # Splink: match weight (bits) by which it must beat the runner-up (x20)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the set --------------------------------------------------------------------------------------
def typed_dir(base: Path) -> Path:
    """The set's typed frames as the current ingest, validation and schema code make them."""
    return base / f"typed_{sources_fingerprint('assets/ingest', 'assets/validation', 'schemas')}"


def prepare(persons: int, seed: int, base: Path) -> Path:
    """Generate the extracts (once) and validate them into typed parquet frames (once for each
    version of the ingest, validation and schema code: `typed_<fingerprint>/`)."""
    from synth.generate import generate

    extracts = base / "extracts"
    typed = typed_dir(base)
    if not (extracts / "truth" / "tanah.csv").exists():
        t0 = time.perf_counter()
        generate(persons, seed, extracts)
        print(f"generated {persons:,} persons in {time.perf_counter() - t0:.1f} s", flush=True)
    if not (typed / "unlisted.parquet").exists():
        from assets.ingest.read import read_extract, read_load_info
        from assets.validation import validate as V

        t0 = time.perf_counter()
        typed.mkdir(parents=True, exist_ok=True)
        info = read_load_info(extracts)
        wil = V.validate_wilayah(read_extract(extracts, "wilayah").frame).frame
        scope = info.scope_codes
        for name, fn in (("penduduk", V.validate_penduduk), ("tanah", V.validate_tanah),
                         ("kendaraan", V.validate_kendaraan), ("rumah", V.validate_rumah)):
            v = fn(read_extract(extracts, name).frame, wil, info.load_date, scope)
            v.frame.write_parquet(typed / f"{name}.parquet")
            if name == "penduduk":
                v.unlisted.write_parquet(typed / "unlisted.parquet")
        print(f"validated in {time.perf_counter() - t0:.1f} s", flush=True)
    return typed


def _policy():
    from schemas.policy import load_policy

    return load_policy().links


# --- child processes ------------------------------------------------------------------------------
def _child_link(base: Path) -> None:
    from assets.linkage.match import link_assets

    typed = typed_dir(base)
    frames = {n: pl.read_parquet(typed / f"{n}.parquet") for n in ("penduduk", *SOURCES)}
    lk = _policy()
    stats: dict = {}
    t0 = time.perf_counter()
    links = link_assets(frames["penduduk"], frames["tanah"], frames["kendaraan"], frames["rumah"],
                        accept=lk.accept, review=lk.review, margin=lk.margin,
                        holder_min_age=lk.holder_min_age, unlisted=pl.read_parquet(typed / "unlisted.parquet"),
                        stats=stats)
    seconds = time.perf_counter() - t0
    links.write_parquet(base / "links.parquet")
    stats["pairs"].write_parquet(base / "pairs.parquet")
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb()}))


def _splink_inputs(base: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records (land and vehicles of persons in scope) and registry, with the same name keys."""
    from assets.linkage.match import _asset_records, _registry

    typed = typed_dir(base)
    pen = pl.read_parquet(typed / "penduduk.parquet")
    recs = _asset_records(pl.read_parquet(typed / "tanah.parquet"),
                          pl.read_parquet(typed / "kendaraan.parquet"), _policy().holder_min_age)
    recs = recs.filter(pl.col("npwp").is_null() & pl.col("in_scope") & pl.col("key").is_not_null())
    reg = _registry(pen)

    def prep(df: pl.DataFrame, uid: pl.Expr, nik: pl.Expr, rt: str, rw: str) -> pl.DataFrame:
        return df.select(
            unique_id=uid, nik=nik, key="key", village="village", district="district",
            f4=pl.col("key").str.slice(0, 4),
            l4=pl.col("toks").list.last().str.slice(0, 4),
            rt=pl.col(rt), rw=pl.col(rw),
        )

    left = prep(recs, pl.col("source") + ":" + pl.col("row_number").cast(pl.String),
                pl.coalesce("nik", "nik_raw"), "r_rt", "r_rw")
    right = prep(reg, "p" + pl.col("pid").cast(pl.String), pl.col("nik"), "p_rt", "p_rw")
    return left, right.join(reg.select(unique_id="p" + pl.col("pid").cast(pl.String),
                                       p_nik="nik"), on="unique_id")


def _child_splink(base: Path) -> None:
    try:
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError as exc:
        print(json.dumps({"error": f"Splink is not installed ({exc}); pip install -e .[bench]"}))
        return
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)
    left, right = _splink_inputs(base)
    t0 = time.perf_counter()
    db = DuckDBAPI()
    a = db.register(left.to_arrow(), table_name="a_records")
    b = db.register(right.drop("p_nik").to_arrow(), table_name="b_registry")
    settings = SettingsCreator(
        link_type="link_only",
        probability_two_random_records_match=1.0 / max(right.height, 1),
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("nik", [1]),
            cl.JaroWinklerAtThresholds("key", [0.95, 0.88]).configure(
                term_frequency_adjustments=True),
            cl.ExactMatch("village"),
            cl.ExactMatch("rt"),
            cl.ExactMatch("rw"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("village", "f4"),
            block_on("village", "l4"),
            block_on("district", "key"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([a, b], settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("village", "f4"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nik"))
    pred = pl.from_arrow(
        linker.inference.predict(threshold_match_probability=0.01).as_duckdbpyrelation().arrow()
    )
    # One side is the records, the other the registry, whichever order Splink keeps.
    rec_l = pred["unique_id_l"].str.contains(":")
    pred = pred.select(
        rec=pl.when(rec_l).then(pl.col("unique_id_l")).otherwise(pl.col("unique_id_r")),
        per=pl.when(rec_l).then(pl.col("unique_id_r")).otherwise(pl.col("unique_id_l")),
        p=pl.col("match_probability"), w=pl.col("match_weight"),
    )
    seconds = time.perf_counter() - t0
    best = (
        pred.sort(["rec", "w"], descending=[False, True]).group_by("rec", maintain_order=True)
        .agg(best=pl.col("p").first(),
             gap=(pl.col("w").first() - pl.col("w").get(1, null_on_oob=True)).fill_null(99.0),
             per=pl.col("per").first(),
             close=pl.col("per").filter(pl.col("w") > pl.col("w").first() - SPLINK_GAP))
        .join(right.select(per="unique_id", nik="p_nik"), on="per", how="left")
    )
    # Accepted: a best candidate with probability >= SPLINK_ACCEPT whose match weight beats the
    # runner-up's by SPLINK_GAP bits (20 times likelier); a closer runner-up: ambiguous.
    clear = (pl.col("best") >= SPLINK_ACCEPT) & (pl.col("gap") >= SPLINK_GAP)
    out = best.select(
        source=pl.col("rec").str.split(":").list.get(0),
        row_number=pl.col("rec").str.split(":").list.get(1).cast(pl.Int64),
        nik=pl.when(clear).then(pl.col("nik")),
        method=pl.when(clear).then(pl.lit("SPLINK"))
        .when(pl.col("best") >= SPLINK_ACCEPT).then(pl.lit("AMBIGUOUS")).otherwise(pl.lit("UNLINKED")),
        score=pl.lit(1.0),
        candidates=pl.col("close").list.eval(pl.element()),
    )
    per_nik = right.select(per="unique_id", nik="p_nik")
    out = out.with_columns(
        candidates=pl.col("candidates").list.eval(
            pl.element().replace(per_nik["per"], per_nik["nik"]))
    )
    out.write_parquet(base / "splink.parquet")
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), "pairs": pred.height,
                      "records": left.height}))


def _run_child(kind: str, base: Path) -> dict:
    env = dict(os.environ, POLARS_MAX_THREADS=os.environ.get("POLARS_MAX_THREADS", "2"))
    r = subprocess.run([sys.executable, __file__, f"--_{kind}", str(base)], capture_output=True,
                       text=True, env=env)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        tail = r.stderr.strip().splitlines()[-5:]
        return {"error": f"{kind} failed (exit {r.returncode}): " + " | ".join(tail)}
    return json.loads(lines[-1])


# --- evaluation -----------------------------------------------------------------------------------
def _truth(base: Path) -> dict[str, pl.DataFrame]:
    t = base / "extracts" / "truth"
    return {s: pl.read_csv(t / f"{s}.csv", infer_schema=False) for s in SOURCES}


def evaluate(links: pl.DataFrame, truth: dict[str, pl.DataFrame], reg_niks: pl.Series,
             reg_kks: pl.Series, accept: float, sources=("tanah", "kendaraan", "rumah")):
    """Per source: a summary row, and per-method rows."""
    summary, per_method = [], []
    for s in sources:
        t = truth[s].with_columns(pl.col("row_number").cast(pl.Int64))
        if s == "rumah":
            t = t.rename({"no_kk": "true_kk"})
        cols = [c for c in ("row_number", "nik", "no_kk", "method", "score", "candidates")
                if c in links.columns]
        d = t.join(links.filter(pl.col("source") == s).select(cols), on="row_number", how="left")
        if "no_kk" not in d.columns:
            d = d.with_columns(no_kk=pl.lit(None, dtype=pl.String))
        auto = pl.col("method").is_in(["NIK_EXACT", "NIK_REPAIRED", "SPLINK"]) | (
            (pl.col("method") == "NAME_MATCH") & (pl.col("score") >= accept - 1e-9))
        if s == "rumah":
            linkable = pl.col("true_kk").is_in(reg_kks.implode())
            d = d.with_columns(owner=pl.col("true_kk"), got=pl.col("no_kk"), ident=linkable,
                               in_cand=pl.lit(False))
        else:
            linkable = pl.col("owner_nik").is_in(reg_niks.implode())
            d = d.with_columns(owner=pl.col("owner_nik"), got=pl.col("nik"),
                               ident=(pl.col("identifiable") == "true") & linkable,
                               in_cand=pl.col("candidates").list.contains(pl.col("owner_nik"))
                               .fill_null(False))
        d = d.with_columns(auto=auto.fill_null(False), linkable=linkable.fill_null(False),
                           ident=pl.col("ident").fill_null(False))
        d = d.with_columns(correct=pl.col("auto") & (pl.col("got") == pl.col("owner")).fill_null(False))
        n_auto = d["auto"].sum()
        # Records rejected by validation have no link row: never linked, not counted as untold.
        amb = d.filter(pl.col("linkable") & ~pl.col("ident") & pl.col("method").is_not_null())
        summary.append({
            "source": s, "records": d.height,
            "auto_share": n_auto / max(d.height, 1),
            "precision": d["correct"].sum() / max(n_auto, 1),
            "false_links": int(n_auto - d["correct"].sum()),
            "recall_identifiable": d.filter("ident")["correct"].mean() if d["ident"].any() else None,
            "recall_linkable": d.filter("linkable")["correct"].mean() if d["linkable"].any() else None,
            "not_identifiable_share": (amb.height / max(d.filter(pl.col("linkable") & pl.col("method").is_not_null()).height, 1))
            if d["linkable"].any() else None,
            "untold_ambiguous_with_owner": (amb.filter((pl.col("method") == "AMBIGUOUS") & pl.col("in_cand")).height
                                            / max(amb.height, 1)) if s != "rumah" else None,
            "untold_guessed": amb["auto"].sum() if s != "rumah" else None,
            "untold": amb.height,
        })
        pm = d.group_by(pl.col("method").fill_null("(no row)")).agg(
            n=pl.len(), auto=pl.col("auto").sum(), correct=pl.col("correct").sum(),
            identifiable=pl.col("ident").sum(),
            owner_in_candidates=pl.col("in_cand").sum(),
        ).sort("method").with_columns(source=pl.lit(s))
        per_method.append(pm)
    return pl.DataFrame(summary), pl.concat(per_method)


def _fmt(v, pct=True):
    if v is None:
        return "-"
    return f"{100 * v:.3f} %" if pct else f"{v:,}"


def _print_summary(title: str, summary: pl.DataFrame) -> None:
    print(f"\n{title}")
    print(f"{'source':<10} {'records':>9} {'auto':>10} {'precision':>10} {'false':>6} "
          f"{'recall(id)':>11} {'recall(all)':>11} {'untold':>9} {'untold->AMB':>11} {'guessed':>7}")
    for r in summary.iter_rows(named=True):
        print(f"{r['source']:<10} {r['records']:>9,} {_fmt(r['auto_share']):>10} "
              f"{_fmt(r['precision']):>10} {r['false_links']:>6} {_fmt(r['recall_identifiable']):>11} "
              f"{_fmt(r['recall_linkable']):>11} {_fmt(r['not_identifiable_share']):>9} "
              f"{_fmt(r['untold_ambiguous_with_owner']):>11} "
              f"{'-' if r['untold_guessed'] is None else r['untold_guessed']:>7}")


# --- blocking: polars against DuckDB --------------------------------------------------------------
def _duckdb_pairs(con, recs, rkeys, reg, pkeys, level: str, cap: int) -> pl.DataFrame:
    """The same candidate generation as match._candidate_pairs, as DuckDB SQL."""
    from assets.linkage import match as M

    con.register("recs", recs.select("rid", b=pl.col(level)).to_arrow())
    con.register("reg", reg.select("pid", b=pl.col(level)).to_arrow())
    con.register("rkeys", rkeys.to_arrow())
    con.register("pkeys", pkeys.to_arrow())
    q = f"""
    with pb as (select pid, b from reg where b in (select distinct b from recs)),
    size as (select b, count(*) as size from pb group by b),
    pk as (select k.pid, pb.b, k.kh, k.kind from pkeys k join pb using (pid)),
    keep as (
        select f.b, f.kh, ln(s.size::double / f.freq) + 1.0 as w from (
            select b, kh, count(*) as freq, any_value(kind) as kind from pk group by b, kh
        ) f join size s using (b) where f.kind = {M.WHOLE} or f.freq <= {cap}),
    pkw as (select pk.pid, pk.b, pk.kh, pk.kind, keep.w from pk join keep using (b, kh)),
    rk as (select k.rid, r.b, k.kh, k.kind from rkeys k join recs r using (rid)),
    first as (
        select rk.rid, p.pid, sum(p.w) as w from rk join pkw p using (b, kh)
        where rk.kind <> {M.TOKEN} and p.kind <> {M.TOKEN} group by rk.rid, p.pid),
    rest as (select * from rk where rid not in (select rid from first)),
    second as (select rest.rid, p.pid, sum(p.w) as w from rest join pkw p using (b, kh)
               group by rest.rid, p.pid),
    allp as (select * from first union all select * from second),
    ranked as (select rid, pid, w, max(w) over (partition by rid) as mw,
               row_number() over (partition by rid order by w desc) as rn from allp)
    select rid, pid from ranked where w >= {M.KEEP_FRACTION} * mw and rn <= {M.MAX_CANDIDATES}
    """
    return con.sql(q).pl()


def _child_blocking(base: Path) -> None:
    import duckdb

    from assets.linkage import match as M

    typed = typed_dir(base)
    reg = M._registry(pl.read_parquet(typed / "penduduk.parquet"))
    recs = M._asset_records(pl.read_parquet(typed / "tanah.parquet"),
                            pl.read_parquet(typed / "kendaraan.parquet"), _policy().holder_min_age)
    # The records that go to name matching: persons in scope without a NIK link.
    by_nik = pl.read_parquet(base / "links.parquet").filter(
        pl.col("method").is_in(["NIK_EXACT", "NIK_REPAIRED"]) & (pl.col("source") != "rumah")
    ).select("source", "row_number")
    recs = recs.filter(pl.col("npwp").is_null() & pl.col("key").is_not_null() & pl.col("in_scope")).join(
        by_nik, on=["source", "row_number"], how="anti")
    t0 = time.perf_counter()
    rkeys = M._name_keys(recs, "rid")
    pkeys = M._name_keys(reg, "pid")
    keys_s = time.perf_counter() - t0
    con = duckdb.connect()
    con.execute("set threads to 2")
    out = {"records": recs.height, "keys_seconds": keys_s}
    for level, cap in (("village", M.VILLAGE_KEY_CAP), ("district", M.DISTRICT_KEY_CAP)):
        t0 = time.perf_counter()
        a = M._candidate_pairs(recs, rkeys, reg, pkeys, level, cap)
        out[f"polars_{level}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        b = _duckdb_pairs(con, recs, rkeys, reg, pkeys, level, cap)
        out[f"duckdb_{level}"] = time.perf_counter() - t0
        out[f"pairs_{level}"] = a.height
        # Same pairs, except where the 50-cap cuts through equal weights (either may be kept).
        out[f"same_{level}"] = a.join(b.with_columns(pl.col("rid").cast(a["rid"].dtype),
                                                     pl.col("pid").cast(a["pid"].dtype)),
                                      on=["rid", "pid"]).height / max(a.height, 1)
    print(json.dumps(out))


# --- main -----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--vs-splink", action="store_true", help="also run Splink, side by side")
    parser.add_argument("--blocking", action="store_true", help="time polars against DuckDB blocking")
    for kind in ("link", "splink", "blocking"):
        parser.add_argument(f"--_{kind}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    for kind, fn in (("link", _child_link), ("splink", _child_splink), ("blocking", _child_blocking)):
        if getattr(args, f"_{kind}"):
            fn(Path(getattr(args, f"_{kind}")))
            return 0

    base = set_dir(args.out, args.persons, args.seed, prefix="linkage_")
    typed = prepare(args.persons, args.seed, base)
    lk = _policy()
    res = _run_child("link", base)
    if "error" in res:
        print(res["error"])
        return 1
    links = pl.read_parquet(base / "links.parquet")
    pen = pl.read_parquet(typed / "penduduk.parquet", columns=["NIK", "NO_KK"])
    truth = _truth(base)
    summary, per_method = evaluate(links, truth, pen["NIK"], pen["NO_KK"].unique(), lk.accept)
    n_rec = links.height
    counts = dict(links.group_by("source").len().iter_rows())
    print(f"\nlinkage of {args.persons:,} persons: {n_rec:,} records ("
          + ", ".join(f"{s} {counts.get(s, 0):,}" for s in SOURCES) + ")")
    print(f"wall time {res['seconds']:.1f} s, peak memory {res['peak_mb']:,.0f} MB "
          f"(child process: typed frames + linkage), {os.cpu_count()} cores")
    _print_summary("accepted links (NIK_EXACT, NIK_REPAIRED, NAME_MATCH >= accept) against the truth:",
                   summary)
    print("  auto: share of records linked automatically; recall(id): of records whose owner can be "
          "told apart;\n  recall(all): of every record whose owner is a registry person; untold: share "
          "of those that cannot be told apart;\n  untold->AMB: of those, AMBIGUOUS with the owner "
          "among the candidates; guessed: of those, accepted")
    print("\nper method:")
    print(f"{'source':<10} {'method':<13} {'records':>9} {'accepted':>9} {'correct':>9} {'precision':>10} "
          f"{'owner in cand.':>14}")
    for r in per_method.iter_rows(named=True):
        prec = _fmt(r["correct"] / r["auto"]) if r["auto"] else "-"
        print(f"{r['source']:<10} {r['method']:<13} {r['n']:>9,} {r['auto']:>9,} {r['correct']:>9,} "
              f"{prec:>10} {r['owner_in_candidates']:>14,}")
    pairs = pl.read_parquet(base / "pairs.parquet")
    per_rec = pairs.group_by("part", "rid").agg(pl.col("n").sum())
    n_assets = links.filter(pl.col("source") != "rumah").height
    n_rumah = links.filter(pl.col("source") == "rumah").height
    print("\ncandidate pairs compared (scored):")
    for part, n in (("assets", n_assets), ("rumah", n_rumah)):
        pr = per_rec.filter(pl.col("part") == part)
        by_stage = pairs.filter(pl.col("part") == part).group_by("stage").agg(pl.col("n").sum()).sort("stage")
        stages = ", ".join(f"{s} {v:,}" for s, v in by_stage.iter_rows())
        print(f"  {part:<7} {pr['n'].sum() / max(n, 1):.2f} per record (all records), "
              f"max {pr['n'].max() or 0} for one record; {stages}")

    if args.blocking:
        b = _run_child("blocking", base)
        print("\nblocking joins (village and district passes over the land and vehicle records that go to names):")
        if "error" in b:
            print("  " + b["error"])
        else:
            for level in ("village", "district"):
                print(f"  {level:<9} polars {b[f'polars_{level}']:.2f} s, DuckDB {b[f'duckdb_{level}']:.2f} s, "
                      f"{b[f'pairs_{level}']:,} pairs, {100 * b[f'same_{level}']:.2f} % identical")

    if args.vs_splink:
        sp = _run_child("splink", base)
        print("\nSplink on the same land and vehicle records (same normalised names):")
        if "error" in sp:
            print("  Splink could not run: " + sp["error"])
        else:
            spl = pl.read_parquet(base / "splink.parquet")
            # Records Splink did not see (companies, out of scope, no name) are unlinked.
            ssum, _ = evaluate(spl, truth, pen["NIK"], pen["NO_KK"].unique(), lk.accept,
                               sources=("tanah", "kendaraan"))
            print(f"  Splink wall time {sp['seconds']:.1f} s, peak memory {sp['peak_mb']:,.0f} MB, "
                  f"{sp['pairs'] / max(sp['records'], 1):.2f} pairs kept per record")
            _print_summary("perlinsos", summary.filter(pl.col("source") != "rumah"))
            _print_summary("Splink", ssum)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
