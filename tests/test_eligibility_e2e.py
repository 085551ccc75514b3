"""Eligibility end to end: the pipeline's statuses against the policy applied on the true links.

A generated set goes through the `load` job; the reference is `evaluate` on the same validated
registry, flags and housing rows, with the asset links taken from the generator's truth
(`bench/eligibility.py`, which prints the same figures for 100,000 persons). The targets: wrongly
eligible and wrongly excluded each at most 0.1 % of households, at most 3 % sent to review.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.cli import main
from schemas.policy import load_policy
from synth.generate import generate

_spec = importlib.util.spec_from_file_location(
    "bench_eligibility", Path(__file__).resolve().parents[1] / "bench" / "eligibility.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
compare, reference = bench.compare, bench.reference

PERSONS = 6000
SEED = 11
DISTRICTS = ["35.10.15", "35.10.12"]
FRAMES = ("penduduk", "penduduk_flags", "rumah", "tanah", "kendaraan", "households", "household_reasons")
DEFINITE = ("STATE_EMPLOYEE", "SOE_EMPLOYEE", "CAR_OWNER", "LAND_ABOVE_LIMIT", "HIGH_ELECTRICITY")


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    root = tmp_path_factory.mktemp("eligibility_e2e")
    extracts = root / "extracts"
    generate(PERSONS, SEED, extracts, districts=DISTRICTS)
    work = root / "work"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["load", "--extracts", str(extracts), "--warehouse", str(root / "wh" / "p.duckdb"),
                     "--exports", str(root / "exports"), "--work", str(work)])
    assert code == 0
    frames = {name: pl.read_parquet(work / f"{name}.parquet") for name in FRAMES}
    load_date = date.fromisoformat(json.loads((extracts / "load.json").read_text())["load_date"])
    ref = reference(extracts / "truth", frames, load_policy(), load_date)
    truth = pl.read_csv(extracts / "truth" / "households.csv", infer_schema=False)
    return {"frames": frames, "ref": ref, "result": compare(frames["households"], ref.households), "truth": truth}


def test_every_household_of_the_registry_is_decided_once_on_both_sides(outcome):
    hh = outcome["frames"]["households"]
    assert hh["no_kk"].n_unique() == hh.height
    assert outcome["result"]["missing"] == 0
    # Every household the generator made whose registry rows survive, or were flagged, is there.
    known = set(outcome["frames"]["penduduk"]["NO_KK"].to_list()) | set(
        outcome["frames"]["penduduk_flags"]["NO_KK"].to_list())
    assert set(hh["no_kk"].to_list()) == known
    assert known <= set(outcome["truth"]["no_kk"].to_list())


def test_wrongly_eligible_at_most_a_thousandth(outcome):
    r = outcome["result"]
    assert r["inclusion_error"] <= 0.001, (r["inclusion_errors"], r["households"])


def test_wrongly_excluded_at_most_a_thousandth(outcome):
    r = outcome["result"]
    assert r["exclusion_error"] <= 0.001, (r["exclusion_errors"], r["households"])


@pytest.mark.xfail(
    strict=True,
    reason="the generated data sends about 10 % of households to review: about 4.5 % have no housing "
    "survey row (the generator surveys 95 % of households), 2.3 % a rejected registry row, and "
    "about 4 % are candidates of doubtful land or vehicle records (a third of land records carry no "
    "usable NIK); the reference, on true links, already reviews about 6.5 %, and records whose owner "
    "cannot be told apart, which must stay AMBIGUOUS, add about 2.7 % (docs/policy.md)",
)
def test_at_most_three_percent_sent_to_review(outcome):
    assert outcome["result"]["review_share"] <= 0.03


def test_reviews_of_eligible_households_come_from_doubtful_matches(outcome):
    """A household eligible on the true links is sent to review only for a doubtful match."""
    pairs = outcome["result"]["pairs"]
    extra = pairs.filter((pl.col("status") == "REVIEW") & (pl.col("ref_status") == "ELIGIBLE")).select("no_kk")
    reasons = outcome["frames"]["household_reasons"]
    with_uncertain = reasons.filter(pl.col("code") == "UNCERTAIN_MATCH").select("no_kk").unique()
    assert extra.join(with_uncertain, on="no_kk", how="anti").height == 0


def test_no_exclusion_rests_on_a_doubtful_record(outcome):
    reasons = outcome["frames"]["household_reasons"]
    accept = load_policy().links.accept
    definite = reasons.filter(pl.col("code").is_in(DEFINITE) & pl.col("link_method").is_not_null())
    doubtful = definite.filter(
        (pl.col("link_method") == "AMBIGUOUS")
        | ((pl.col("link_method") == "NAME_MATCH") & (pl.col("link_score") < accept))
    )
    assert doubtful.height == 0
    assert set(definite["link_method"].unique().to_list()) <= {"NIK_EXACT", "NIK_REPAIRED", "NAME_MATCH"}


def test_reference_uses_the_same_registry_and_survey(outcome):
    """Data-level review reasons do not depend on links: both sides list them for the same households."""
    ours = outcome["frames"]["household_reasons"]
    theirs = outcome["ref"].reasons
    for code in ("REJECTED_MEMBER_ROW", "NO_HOUSING_DATA", "HOUSEHOLD_DISSOLVED"):
        a = set(ours.filter(pl.col("code") == code)["no_kk"].to_list())
        b = set(theirs.filter(pl.col("code") == code)["no_kk"].to_list())
        assert a == b, code
