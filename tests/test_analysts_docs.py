"""Every SQL example of docs/analysts.md runs against a database of two real loads and answers right."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from test_changes import DISTRICTS, build_two_loads, sql

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysts.md"
BLOCK = re.compile(r"```sql\n(.*?)```", re.S)

pytestmark = pytest.mark.slow


def blocks() -> dict[str, str]:
    """Named SQL blocks of the document: the first line of each is `-- <name>`."""
    found = {}
    for body in BLOCK.findall(DOC.read_text()):
        first = body.strip().splitlines()[0]
        assert first.startswith("-- "), f"an SQL block without a name: {first}"
        name = first[3:].strip()
        assert name not in found, f"two SQL blocks named {name}"
        found[name] = body
    return found


def statements(body: str) -> list[str]:
    parts = [p.strip() for p in body.split(";")]
    return [p for p in parts if re.sub(r"--[^\n]*", "", p).strip()]


@pytest.fixture(scope="module")
def loads(tmp_path_factory) -> dict:
    return build_two_loads(tmp_path_factory.mktemp("analysts"))


@pytest.fixture(scope="module")
def results(loads) -> dict[str, list[pl.DataFrame]]:
    """Every block run in a read-only connection, as an analyst would; the family is the car owner's."""
    con = duckdb.connect(str(loads["db"]), read_only=True)
    out = {}
    try:
        for name, body in blocks().items():
            body = re.sub(r"SET VARIABLE no_kk = '\d{16}'", f"SET VARIABLE no_kk = '{loads['events']['car']}'", body)
            frames = []
            for statement in statements(body):
                try:
                    relation = con.sql(statement)
                except duckdb.Error as exc:
                    raise AssertionError(f"docs/analysts.md, block {name}: {exc}") from exc
                query = re.sub(r"--[^\n]*", "", statement).strip().upper()
                if query.startswith(("SELECT", "WITH", "FROM")):
                    frames.append(relation.pl())
            out[name] = frames
    finally:
        con.close()
    return out


def test_the_document_has_the_promised_examples():
    assert {"eligible-per-district", "exclusions-by-reason", "family", "changes-since-last-load",
            "column-comments"} <= set(blocks())
    assert len(blocks()) >= 10


def test_every_query_runs_and_answers(results):
    for name, frames in results.items():
        assert frames, name
        for frame in frames:
            assert frame.height > 0, name


def test_eligible_households_per_district(loads, results):
    (frame,) = results["eligible-per-district"]
    truth = sql(loads["db"], "SELECT count(*) AS n, sum(members) AS p FROM mart.households_latest "
                             "WHERE status = 'ELIGIBLE'").row(0)
    assert frame["eligible_households"].sum() == truth[0]
    assert frame["eligible_persons"].sum() == truth[1]
    assert frame["households"].sum() == sql(loads["db"], "SELECT count(*) AS n FROM mart.households_latest")["n"][0]
    assert sorted(frame["kode_kecamatan"].drop_nulls()) == sorted(DISTRICTS)
    (programs,) = results["programs-per-district"]
    assert set(programs["program"]) <= {"PKH", "SEMBAKO", "PBI_JK"}


def test_exclusions_by_reason(loads, results):
    (frame,) = results["exclusions-by-reason"]
    got = dict(zip(frame["code"], frame["households"]))
    assert {"CAR_OWNER", "HIGH_ELECTRICITY", "HOUSEHOLD_DISSOLVED"} <= set(got)
    truth = sql(loads["db"], "SELECT count(DISTINCT no_kk) AS n FROM mart.household_reasons_latest "
                             "WHERE code = 'CAR_OWNER'")["n"][0]
    assert got["CAR_OWNER"] == truth
    assert frame["description"].is_not_null().all()
    (single,) = results["single-reason-exclusions"]
    # counted here from the rows: excluded households whose exclusion rows carry one code only
    # (however many pieces of evidence that code has)
    rows = sql(loads["db"], "SELECT r.no_kk, r.code FROM mart.household_reasons_latest r "
                            "JOIN mart.households_latest h USING (no_kk) "
                            "WHERE h.status = 'EXCLUDED' AND r.kind = 'EXCLUSION'")
    per = rows.group_by("no_kk").agg(codes=pl.col("code").unique(), n=pl.len())
    alone = per.filter(pl.col("codes").list.len() == 1).with_columns(code=pl.col("codes").list.first())
    assert alone.filter(pl.col("n") > 1).height > 0  # a reason with several pieces of evidence
    want = dict(alone.group_by("code").len().iter_rows())
    assert dict(zip(single["code"], single["households"])) == want


def test_a_familys_evidence(loads, results):
    decision, reasons, members, components, links, history = results["family"]
    kk = loads["events"]["car"]
    assert decision["no_kk"].to_list() == [kk] and decision["status"][0] == "EXCLUDED"
    car = reasons.filter(pl.col("code") == "CAR_OWNER").row(0, named=True)
    assert car["evidence_source"] == "kendaraan" and car["evidence_id"] == loads["events"]["car_rangka"]
    assert car["link_method"] == "NIK_EXACT"
    assert members.height == decision["members"][0]
    if decision["score"][0] is not None:
        assert components["points"].sum() == decision["score"][0]
    assert loads["events"]["car_rangka"] in links["record_id"].to_list()
    assert history["status"].to_list() == ["ELIGIBLE", "EXCLUDED"]
    assert history["change"].to_list() == [None, "NEWLY_EXCLUDED"]


def test_changes_since_the_last_load(loads, results):
    (summary,) = results["changes-summary"]
    (worklist,) = results["changes-since-last-load"]
    total = sql(loads["db"], "SELECT count(*) AS n FROM mart.eligibility_changes_latest")["n"][0]
    assert summary["households"].sum() == worklist.height == total
    ev = loads["events"]
    by_kk = {r["no_kk"]: r for r in worklist.iter_rows(named=True)}
    assert by_kk[ev["new_family"]]["change"] == "NEW_HOUSEHOLD"
    assert by_kk[ev["moves_away"]]["change"] == "DISSOLVED"
    assert by_kk[ev["electricity"]]["reason_codes"] == ["HIGH_ELECTRICITY"] or \
        "HIGH_ELECTRICITY" in by_kk[ev["electricity"]]["reason_codes"]
    (cards,) = results["new-cards-and-heads"]
    assert {ev["survivors_kk"], ev["reissued_kk"], ev["head_dies"]} <= set(cards["no_kk"])


def test_every_column_is_explained(loads, results):
    (frame,) = results["column-comments"]
    assert frame["comment"].is_not_null().all() and (frame["comment"].str.len_chars() > 3).all()
    everything = sql(loads["db"], "SELECT table_name, column_name, comment FROM duckdb_columns() "
                                  "WHERE schema_name = 'mart'")
    assert everything.filter(pl.col("comment").is_null()).height == 0
    tables = sql(loads["db"], "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'mart'")
    assert tables["comment"].is_not_null().all()
