"""Publish one load into the analysts' DuckDB database, atomically.

DuckDB allows one writer process, and a reader that holds the file open would block a writer that
opened the same file. So a load never writes the published file in place: it copies the published
database to a sibling file, writes the load into the copy (replacing that load's rows if it was
published before) table by table, checkpointing after each (the copy is the load's alone, so
no transaction is needed, and one transaction for the whole load would be held in memory to its
end), and renames it over the published file. A reader that had the
old file open keeps reading the old, complete version; a reader that opens the file afterwards
sees the new, complete version. Nobody sees half a load, and readers never block a load. Writers
are serialised by an advisory lock on a `.lock` file beside the database; a copy abandoned by a
writer that was killed half way is removed by the next writer.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from assets.concurrency import file_lock

SCHEMA_VERSION = "1"

EXTRACT_NAMES = ("penduduk", "tanah", "kendaraan", "rumah", "wilayah")

# Every row of every table records the version of the policy file of its load (the loads row
# too, there NOT NULL): thresholds decide links, quarantine holds and decisions alike.
POLICY_VERSION = ("policy_version", "VARCHAR", "Version of the policy file of the load that produced the row")

# Table -> (column DDL, table comment, {column: comment}). Column order is the published order.
TABLES: dict[str, tuple[list[tuple[str, str, str]], str]] = {
    "loads": (
        [
            ("load_id", "VARCHAR NOT NULL", "Identifier of the load: load date and scope"),
            ("load_date", "DATE NOT NULL", "Reference date of the load (ages, tax windows)"),
            ("scope", "VARCHAR NOT NULL", "Regency codes the load covers, e.g. 35.10"),
            ("policy_version", "VARCHAR NOT NULL", "Version of the eligibility policy file used"),
            ("schema_version", "VARCHAR NOT NULL", "Version of this database's table contract"),
            ("started_at", "TIMESTAMPTZ NOT NULL", "When the load started"),
            ("finished_at", "TIMESTAMPTZ NOT NULL", "When the load was published"),
        ]
        + [
            col
            for name in EXTRACT_NAMES
            for col in (
                (f"{name}_file", "VARCHAR", f"File name of the {name} extract"),
                (f"{name}_sha256", "VARCHAR", f"SHA-256 of the {name} extract file"),
                (f"{name}_rows", "BIGINT", f"Data rows in the {name} extract file"),
                (f"{name}_quarantined", "BIGINT", f"Rows of the {name} extract with a quarantine finding"),
                (f"{name}_rejected", "BIGINT", f"Rows of the {name} extract rejected from the load"),
            )
        ],
        "One row per published load.",
    ),
    "households": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("no_kk", "VARCHAR NOT NULL", "Family card number (Kartu Keluarga)"),
            ("kode_wilayah", "VARCHAR", "Village code PP.KK.CC.DDDD of the household"),
            ("kode_kecamatan", "VARCHAR", "District code PP.KK.CC"),
            ("kode_kabupaten", "VARCHAR", "Regency/city code PP.KK"),
            ("head_nik", "VARCHAR", "NIK of the head of household"),
            ("head_name", "VARCHAR", "Name of the head of household"),
            ("members", "INTEGER", "Living members"),
            ("score", "INTEGER", "Welfare score: sum of mart.score_components points (higher = better off)"),
            ("desil", "INTEGER", "Person-weighted welfare decile 1-10 (1 = poorest); NULL when not scored"),
            ("status", "VARCHAR", "ELIGIBLE, EXCLUDED or REVIEW"),
            ("programs", "VARCHAR[]", "Programs the household is eligible for: PKH, SEMBAKO, PBI_JK"),
            POLICY_VERSION,
        ],
        "One row per household (NO_KK of the registry) and load, with its decision.",
    ),
    "household_reasons": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("no_kk", "VARCHAR NOT NULL", "Household the reason applies to"),
            ("kind", "VARCHAR", "EXCLUSION or REVIEW"),
            ("code", "VARCHAR", "Reason code of the policy, e.g. CAR_OWNER"),
            ("description", "VARCHAR", "The reason in Indonesian, as shown to the family"),
            ("evidence_source", "VARCHAR", "penduduk, tanah, kendaraan, rumah or score"),
            ("evidence_id", "VARCHAR", "Record behind the evidence: NIK, NIB, NO_RANGKA or NO_KK"),
            ("evidence", "VARCHAR", "The fact, in words"),
            ("link_method", "VARCHAR", "How the evidence record was linked to the household"),
            ("link_score", "DOUBLE", "Score of that link (1.0 for NIK links)"),
            POLICY_VERSION,
        ],
        "One row per reason a household was excluded or sent to review, with its evidence.",
    ),
    "score_components": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("no_kk", "VARCHAR NOT NULL", "Household"),
            ("component", "VARCHAR", "Component of the welfare score"),
            ("value", "VARCHAR", "The fact that was scored"),
            ("points", "INTEGER", "Points given for it"),
            POLICY_VERSION,
        ],
        "One row per household and score component; points sum to mart.households.score.",
    ),
    "members": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("nik", "VARCHAR NOT NULL", "Person's NIK"),
            ("no_kk", "VARCHAR NOT NULL", "Household"),
            ("name", "VARCHAR", "Full name as in the registry"),
            ("sex", "VARCHAR", "LAKI-LAKI or PEREMPUAN"),
            ("age", "INTEGER", "Age in whole years at the load date"),
            ("relation", "VARCHAR", "Relation to the head (STAT_HBKEL)"),
            ("occupation", "VARCHAR", "Occupation (JENIS_PKRJN)"),
            ("nik_warning", "VARCHAR", "Quarantine warning on the NIK, e.g. NIK_DATE_MISMATCH"),
            POLICY_VERSION,
        ],
        "One row per living registry person and load.",
    ),
    "asset_links": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("source", "VARCHAR NOT NULL", "tanah, kendaraan or rumah"),
            ("row_number", "BIGINT", "1-based data row in the source file"),
            ("record_id", "VARCHAR", "NIB, NO_RANGKA or NO_KK of the record"),
            ("nik", "VARCHAR", "Registry person the record is linked to"),
            ("no_kk", "VARCHAR", "Household the record counts for"),
            ("method", "VARCHAR", "NIK_EXACT, NIK_REPAIRED, NAME_MATCH, AMBIGUOUS or UNLINKED"),
            ("score", "DOUBLE", "Link score 0-1 (1.0 for NIK links, NULL when unlinked or AMBIGUOUS with NAME_MISSING or NIK_TWIN)"),
            ("note", "VARCHAR", "Why: NIK_NAME_CONFLICT, COMPANY_NPWP, OUT_OF_SCOPE, NO_CANDIDATE, "
             "OWNER_ROW_REJECTED, NAMESAKE_ELSEWHERE, NAMESAKE_UNLISTED, NAME_MISSING, NIK_TWIN, and for housing HEAD_NOT_MEMBER, HEAD_BY_NAME, HEAD_NIK_REPAIRED, NO_KK_NOT_FOUND"),
            ("candidates", "VARCHAR[]", "Candidate NIKs of an ambiguous or uncertain match"),
            POLICY_VERSION,
        ],
        "One row per land, vehicle and housing record, with how it was linked.",
    ),
    "quarantine": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("source", "VARCHAR NOT NULL", "Extract: penduduk, tanah, kendaraan, rumah, wilayah"),
            ("row_number", "BIGINT", "1-based data row of the file; NULL for a file-level finding"),
            ("record_id", "VARCHAR", "The row's key (NIK, NIB, NO_RANGKA, NO_KK, KODE): cleaned when usable, else as written"),
            ("column", "VARCHAR", "Source column that broke the rule"),
            ("rule", "VARCHAR", "Rule broken (see docs/validation.md)"),
            ("value", "VARCHAR", "The offending value as written"),
            ("action", "VARCHAR", "ROW_REJECTED, VALUE_DROPPED or FLAGGED"),
            POLICY_VERSION,
        ],
        "One row per broken rule in a source row.",
    ),
    "eligibility_changes": (
        [
            ("load_id", "VARCHAR NOT NULL", "Load that produced the row"),
            ("previous_load_id", "VARCHAR", "Last published load it is compared with"),
            ("no_kk", "VARCHAR NOT NULL", "Household in this load"),
            ("previous_no_kk", "VARCHAR", "Household in the previous load (differs when NO_KK changed)"),
            ("previous_status", "VARCHAR", "Status in the previous load"),
            ("status", "VARCHAR", "Status in this load (NULL: the NO_KK is not in this load)"),
            ("previous_desil", "INTEGER", "Decile in the previous load"),
            ("desil", "INTEGER", "Decile in this load"),
            ("change", "VARCHAR", "NEWLY_ELIGIBLE, NEWLY_EXCLUDED, TO_REVIEW, DISSOLVED, NEW_HOUSEHOLD, "
             "DECILE_MOVED, NO_KK_CHANGED or HEAD_CHANGED (see docs/outputs.md)"),
            ("reason_codes", "VARCHAR[]", "Reason codes that explain the change: the policy codes the household "
             "has gained (NEWLY_ELIGIBLE: has lost), plus NO_KK_CHANGED, HEAD_CHANGED, DECILE_MOVED, NOT_IN_REGISTRY, JOINED_OTHER_KK"),
            POLICY_VERSION,
        ],
        "One row per household whose status or decile changed since the previous load.",
    ),
}


def table_columns(table: str) -> list[str]:
    return [name for name, _, _ in TABLES[table][0]]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS mart")
    for table, (columns, comment) in TABLES.items():
        ddl = ", ".join(f'"{name}" {typ}' for name, typ, _ in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS mart.{table} ({ddl})")
        existing = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = ?",
            [table],
        ).fetchall()}
        for name, typ, _ in columns:  # columns added since the database was created (added columns
            # keep the schema version: the contract bumps it only for a renamed or dropped one)
            if name not in existing:
                con.execute(f'ALTER TABLE mart.{table} ADD COLUMN "{name}" {typ.replace(" NOT NULL", "")}')
                if name == POLICY_VERSION[0] and existing:
                    # the rows of earlier loads: their load's version, which mart.loads has kept
                    con.execute(f"UPDATE mart.{table} t SET policy_version = l.policy_version "
                                "FROM mart.loads l WHERE l.load_id = t.load_id")
        con.execute(f"COMMENT ON TABLE mart.{table} IS {_quote(comment)}")
        for name, _, col_comment in columns:
            con.execute(f'COMMENT ON COLUMN mart.{table}."{name}" IS {_quote(col_comment)}')
        con.execute(
            f"CREATE OR REPLACE VIEW mart.{table}_latest AS SELECT * FROM mart.{table} "
            "WHERE load_id = (SELECT load_id FROM mart.loads ORDER BY load_date DESC, finished_at DESC LIMIT 1)"
        )
        con.execute(f"COMMENT ON VIEW mart.{table}_latest IS {_quote(comment + ' Newest published load only.')}")
        for name, _, col_comment in columns:
            con.execute(f'COMMENT ON COLUMN mart.{table}_latest."{name}" IS {_quote(col_comment)}')


INSERT_ROWS = 2_000_000  # rows handed to DuckDB at a time


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, constants: Mapping[str, str]) -> None:
    """Append `frame`'s rows to `mart.{table}`; a column the frame lacks takes its value from
    `constants` (the load's id and policy version: given in SQL, not repeated in the frame)."""
    columns = table_columns(table)
    given = [c for c in columns if c in frame.columns]
    absent = [c for c in columns if c not in frame.columns]
    missing = [c for c in absent if c not in constants]
    if missing:
        raise ValueError(f"mart.{table}: the frame lacks columns {missing}")
    quoted = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join(f'"{c}"' if c in frame.columns else f"${c}" for c in columns)
    params = {c: constants[c] for c in absent}
    # In slices: handing a frame to DuckDB copies it to Arrow, so a whole table would be held twice.
    # Texts go as Arrow string views, Polars' own layout, which DuckDB reads: the default (large
    # strings) copied every text once more (0.5 s of the warehouse step at 1,700,000 persons).
    for start in range(0, max(frame.height, 1), INSERT_ROWS):
        arrow = frame.slice(start, INSERT_ROWS).select(given).to_arrow(compat_level=pl.CompatLevel.newest())
        con.register("_incoming", arrow)
        try:
            con.execute(f"INSERT INTO mart.{table} ({quoted}) SELECT {select} FROM _incoming", params)
        finally:
            con.unregister("_incoming")


PREVIOUS_LOAD_SQL = """
    SELECT load_id FROM mart.loads
    WHERE scope = $scope AND load_id <> $load_id AND load_date <= $load_date
    ORDER BY load_date DESC, finished_at DESC LIMIT 1
"""

CHANGES_SQL = f"""
WITH prev AS ({PREVIOUS_LOAD_SQL}),
cur AS (SELECT * FROM mart.households WHERE load_id = $load_id),
old AS (SELECT h.* FROM mart.households h JOIN prev USING (load_id)),
cur_members AS (SELECT DISTINCT nik, no_kk FROM mart.members WHERE load_id = $load_id),
old_members AS (SELECT DISTINCT m.nik, m.no_kk FROM mart.members m JOIN prev USING (load_id)),
reasons_now AS (
    SELECT no_kk, list(DISTINCT code ORDER BY code) AS codes
    FROM mart.household_reasons WHERE load_id = $load_id GROUP BY no_kk
),
reasons_before AS (
    SELECT no_kk, list(DISTINCT code ORDER BY code) AS codes
    FROM mart.household_reasons r JOIN prev USING (load_id) GROUP BY no_kk
),
-- NO_KKs of this load that the previous load did not have
new_kk AS (SELECT no_kk FROM cur WHERE no_kk NOT IN (SELECT no_kk FROM old)),
-- households of the previous load that had living members and have none under their NO_KK now
gone AS (
    SELECT o.no_kk, o.head_nik FROM old o
    WHERE o.members > 0 AND NOT EXISTS (SELECT 1 FROM cur_members cm WHERE cm.no_kk = o.no_kk)
),
-- how many of a disappeared NO_KK's former members live on each NO_KK now (`moved`), of all its
-- former members still living (`alive`)
carried AS (
    SELECT g.no_kk AS previous_no_kk, cm.no_kk, count(*) AS moved,
           sum(count(*)) OVER (PARTITION BY g.no_kk) AS alive
    FROM gone g JOIN old_members om ON om.no_kk = g.no_kk JOIN cur_members cm ON cm.nik = om.nik
    GROUP BY g.no_kk, cm.no_kk
),
-- a NO_KK that disappeared is matched by its former head's NIK (a living person now, on a new NO_KK) ...
by_head AS (
    SELECT g.no_kk AS previous_no_kk, cm.no_kk, 1 AS rule,
           -- when several former heads live on one new card: the one who heads it, then the card
           -- that brought the most of its former members
           CASE WHEN c.head_nik = g.head_nik THEN 0 ELSE 1 END AS heads, coalesce(k.moved, 0) AS moved
    FROM gone g JOIN cur_members cm ON cm.nik = g.head_nik JOIN cur c ON c.no_kk = cm.no_kk
    LEFT JOIN carried k ON k.previous_no_kk = g.no_kk AND k.no_kk = cm.no_kk
    WHERE cm.no_kk IN (SELECT no_kk FROM new_kk)
),
-- ... and, when the former head is no longer a living person (died, moved out), by the new NO_KK
-- that holds a strict majority of its former members who are still living persons now
survivor_counts AS (
    SELECT k.* FROM carried k JOIN gone g ON g.no_kk = k.previous_no_kk
    WHERE g.head_nik IS NULL OR g.head_nik NOT IN (SELECT nik FROM cur_members)
),
by_members AS (
    SELECT previous_no_kk, no_kk, 2 AS rule, 1 AS heads, moved FROM survivor_counts
    WHERE 2 * moved > alive AND no_kk IN (SELECT no_kk FROM new_kk)
),
-- a new NO_KK has at most one predecessor: the head match first (its head's former card, then
-- the most former members), then the most members, then the smaller NO_KK
successors AS (
    SELECT previous_no_kk, no_kk FROM (SELECT * FROM by_head UNION ALL BY NAME SELECT * FROM by_members)
    QUALIFY row_number() OVER (PARTITION BY no_kk ORDER BY rule, heads, moved DESC, previous_no_kk) = 1
),
-- a disappeared NO_KK continued by no card, whose former head (or, the head gone, a strict
-- majority of its living former members) lives on another card: its family joined that card
-- (not gone from the registry)
joined_other AS (
    SELECT no_kk FROM (
        SELECT g.no_kk FROM gone g JOIN cur_members cm ON cm.nik = g.head_nik
        UNION SELECT previous_no_kk FROM survivor_counts WHERE 2 * moved > alive
    ) WHERE no_kk NOT IN (SELECT previous_no_kk FROM successors)
),
pairs AS (
    SELECT no_kk, no_kk AS previous_no_kk FROM cur WHERE no_kk IN (SELECT no_kk FROM old)
    UNION ALL
    SELECT no_kk, previous_no_kk FROM successors
    UNION ALL
    SELECT no_kk, NULL FROM new_kk WHERE no_kk NOT IN (SELECT no_kk FROM successors)
),
joined AS (
    SELECT p.no_kk, p.previous_no_kk, o.status AS previous_status, c.status,
           o.desil AS previous_desil, c.desil, o.head_nik AS previous_head_nik, c.head_nik,
           coalesce(rn.codes, []) AS codes_now, coalesce(rb.codes, []) AS codes_before
    FROM pairs p JOIN cur c ON c.no_kk = p.no_kk
    LEFT JOIN old o ON o.no_kk = p.previous_no_kk
    LEFT JOIN reasons_now rn ON rn.no_kk = p.no_kk
    LEFT JOIN reasons_before rb ON rb.no_kk = p.previous_no_kk
),
classified AS (
    SELECT *,
        CASE
            WHEN previous_no_kk IS NULL THEN 'NEW_HOUSEHOLD'
            WHEN list_contains(codes_now, 'HOUSEHOLD_DISSOLVED')
                 AND NOT list_contains(codes_before, 'HOUSEHOLD_DISSOLVED') THEN 'DISSOLVED'
            WHEN status = 'ELIGIBLE' AND previous_status <> 'ELIGIBLE' THEN 'NEWLY_ELIGIBLE'
            WHEN status = 'EXCLUDED' AND previous_status <> 'EXCLUDED' THEN 'NEWLY_EXCLUDED'
            WHEN status = 'REVIEW' AND previous_status <> 'REVIEW' THEN 'TO_REVIEW'
            WHEN desil IS DISTINCT FROM previous_desil THEN 'DECILE_MOVED'
            WHEN no_kk <> previous_no_kk THEN 'NO_KK_CHANGED'
            WHEN head_nik <> previous_head_nik
                THEN 'HEAD_CHANGED'
        END AS change,
        list_filter(codes_now, lambda x: NOT list_contains(codes_before, x)) AS codes_new,
        list_filter(codes_before, lambda x: NOT list_contains(codes_now, x)) AS codes_gone
    FROM joined
),
explained AS (
    SELECT *,
        list_concat(
            CASE
                WHEN change = 'NEW_HOUSEHOLD' THEN codes_now
                WHEN change = 'NEWLY_ELIGIBLE' THEN codes_gone
                WHEN change = 'DECILE_MOVED' THEN ['DECILE_MOVED']
                WHEN change IN ('NO_KK_CHANGED', 'HEAD_CHANGED') THEN codes_new
                WHEN len(codes_new) > 0 THEN codes_new
                ELSE codes_now
            END,
            CASE WHEN previous_no_kk IS NOT NULL AND no_kk <> previous_no_kk
                 THEN ['NO_KK_CHANGED'] ELSE [] END,
            CASE WHEN head_nik <> previous_head_nik
                 THEN ['HEAD_CHANGED'] ELSE [] END
        ) AS reason_codes
    FROM classified WHERE change IS NOT NULL
),
-- a household of the previous load whose NO_KK is not in this load and has no successor
vanished AS (
    SELECT o.no_kk, o.no_kk AS previous_no_kk, o.status AS previous_status, NULL AS status,
           o.desil AS previous_desil, NULL AS desil, 'DISSOLVED' AS change,
           CASE WHEN o.no_kk IN (SELECT no_kk FROM joined_other) THEN ['JOINED_OTHER_KK']
                ELSE ['NOT_IN_REGISTRY'] END AS reason_codes
    FROM old o LEFT JOIN reasons_before rb ON rb.no_kk = o.no_kk
    WHERE o.no_kk NOT IN (SELECT no_kk FROM cur)
      AND o.no_kk NOT IN (SELECT previous_no_kk FROM successors)
      AND NOT list_contains(coalesce(rb.codes, []), 'HOUSEHOLD_DISSOLVED')
)
SELECT $load_id AS load_id, (SELECT load_id FROM prev) AS previous_load_id, *
FROM (
    SELECT no_kk, previous_no_kk, previous_status, status, previous_desil, desil, change, reason_codes
    FROM explained
    UNION ALL BY NAME
    SELECT no_kk, previous_no_kk, previous_status, status::VARCHAR AS status, previous_desil,
           desil::INTEGER AS desil, change, reason_codes::VARCHAR[] AS reason_codes
    FROM vanished
)
WHERE (SELECT load_id FROM prev) IS NOT NULL
ORDER BY no_kk
"""


# DuckDB's own working memory while publishing; what does not fit spills to disk.
DUCKDB_MEMORY_LIMIT = "2GB"


def publish_warehouse(
    db_path: Path,
    load: Mapping,
    tables: Mapping[str, pl.DataFrame],
    *,
    threads: int | None = None,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
) -> dict[str, int]:
    """Write one load (the `loads` row and every mart table's rows) into the database at `db_path`.

    `load` holds the columns of `mart.loads`; `tables` the frames of the other tables except
    `eligibility_changes`, which is computed here against the previous published load of the same
    scope. `finished_at` is set here, to the time the load's rows are all written. Returns row
    counts per table. Replaces the load's rows if it was published before. DuckDB works within
    `memory_limit` (its default is 80 % of the machine's memory, beside the frames the load already
    holds), spilling to a folder next to the database, and on `threads` threads (default: DuckDB's,
    one per core).
    """
    db_path = Path(db_path)
    load_id = load["load_id"]
    with file_lock(db_path.with_name(db_path.name + ".lock")):
        # copies left by a writer that was killed half way (we hold the lock: none is in use)
        for stale in db_path.parent.glob(f".{db_path.name}.*.tmp*"):
            stale.unlink(missing_ok=True)
        tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
        if db_path.exists():
            shutil.copyfile(db_path, tmp)
        counts: dict[str, int] = {}
        try:
            con = duckdb.connect(str(tmp))
            try:
                if threads:
                    con.execute(f"SET threads = {int(threads)}")
                con.execute("SET memory_limit = ?", [memory_limit])
                # Rows of a table carry no order (analysts sort with ORDER BY); without keeping
                # the frames' order DuckDB inserts on every thread: at 1.7M persons 8 s became 5.6 s.
                con.execute("SET preserve_insertion_order = false")
                spill = db_path.parent / f".{db_path.name}.spill"
                con.execute("SET temp_directory = ?", [str(spill)])
                _create_schema(con)
                for table in TABLES:
                    con.execute(f"DELETE FROM mart.{table} WHERE load_id = ?", [load_id])
                constants = {"load_id": load_id, "policy_version": load["policy_version"]}
                _insert(con, "loads", pl.DataFrame([dict(load)]), constants)
                for table, frame in tables.items():
                    _insert(con, table, frame, constants)
                    con.execute("CHECKPOINT")
                    counts[table] = frame.height
                params = {"load_id": load_id, "scope": load["scope"], "load_date": load["load_date"]}
                # Changes are against the scope's previous load; the first load has none (and is
                # spared a query over every table of this one: 0.9 s at 1,700,000 persons).
                counts["eligibility_changes"] = 0
                if con.execute(PREVIOUS_LOAD_SQL, params).fetchall():
                    changes = con.sql(CHANGES_SQL, params=params).pl()
                    _insert(con, "eligibility_changes", changes, constants)
                    counts["eligibility_changes"] = changes.height
                # Published now, under the writer lock: loads that waited on each other are
                # ordered as they were published, whenever their steps prepared them.
                con.execute("UPDATE mart.loads SET finished_at = ? WHERE load_id = ?",
                            [datetime.now(timezone.utc), load_id])
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, db_path)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            shutil.rmtree(db_path.parent / f".{db_path.name}.spill", ignore_errors=True)
    return counts
