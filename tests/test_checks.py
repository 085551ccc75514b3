"""The logic behind the blocking asset checks."""

import polars as pl

from assets.eligibility.checks import decision_problems
from assets.validation.checks import rejected_rates


def _hh(rows):
    return pl.DataFrame(rows, schema={"no_kk": pl.String, "status": pl.String, "members": pl.Int32,
                                      "programs": pl.List(pl.String)}, orient="row")


def _reasons(rows):
    return pl.DataFrame(rows, schema={"no_kk": pl.String, "kind": pl.String}, orient="row")


def test_rejected_rates_count_rows_not_findings():
    q = pl.DataFrame({"source": ["penduduk"] * 3 + ["tanah"], "row_number": [1, 1, 2, 5],
                      "action": ["ROW_REJECTED", "ROW_REJECTED", "FLAGGED", "VALUE_DROPPED"]})
    assert rejected_rates(q, {"penduduk": 10, "tanah": 4, "rumah": 0}) == {"penduduk": 0.1, "tanah": 0.0, "rumah": 0.0}


def test_a_sound_set_of_decisions_has_no_problem():
    hh = _hh([("A", "EXCLUDED", 2, []), ("B", "REVIEW", 1, []), ("C", "ELIGIBLE", 3, ["SEMBAKO"])])
    reasons = _reasons([("A", "EXCLUSION"), ("A", "REVIEW"), ("B", "REVIEW")])
    members = pl.DataFrame({"nik": list("123456")})
    assert set(decision_problems(hh, reasons, members).values()) == {0}


def test_every_broken_invariant_is_counted():
    hh = _hh([("A", "EXCLUDED", 2, []), ("B", "REVIEW", 1, []), ("C", "ELIGIBLE", 3, []),
              ("D", "ELIGIBLE", 1, ["PKH"]), ("D", "ELIGIBLE", 1, ["PKH"])])
    reasons = _reasons([("A", "REVIEW"), ("D", "REVIEW")])
    members = pl.DataFrame({"nik": ["1", "2"]})
    problems = decision_problems(hh, reasons, members)
    assert problems == {
        "excluded_without_exclusion_reason": 1,
        "review_without_review_reason": 1,
        "eligible_with_a_reason": 2,
        "eligible_without_program": 1,
        "duplicate_households": 1,
        "more_households_than_persons": 3,
    }
