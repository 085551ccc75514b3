"""Link land, vehicle and housing records to registry persons (policy.md, "Linking assets").

`link_assets` returns the `asset_links` frame of docs/architecture.md, one row per typed `tanah`,
`kendaraan` and `rumah` row. The methods, the scoring and the choices are in docs/linkage.md.

Everything is vectorised: NIK repair is a join of integer variants (nik.py), name candidates come
from blocking joins on name-token keys inside the village (then the district), capped at
`MAX_CANDIDATES` per record, and the candidate pairs are scored column-wise with rapidfuzz
(`process.cpdist`). Nothing loops over rows in Python.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from datetime import date
from typing import NamedTuple

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from assets.concurrency import in_threads
from assets.linkage.names import key_from_normalised_expr, name_expr
from assets.linkage.nik import nik_repair_hits, nik_to_int, one_typing_error

# --- methods and notes ----------------------------------------------------------------------------
NIK_EXACT = "NIK_EXACT"
NIK_REPAIRED = "NIK_REPAIRED"
NAME_MATCH = "NAME_MATCH"
AMBIGUOUS = "AMBIGUOUS"
UNLINKED = "UNLINKED"
METHODS = (NIK_EXACT, NIK_REPAIRED, NAME_MATCH, AMBIGUOUS, UNLINKED)

NIK_NAME_CONFLICT = "NIK_NAME_CONFLICT"  # the record's NIK is a registry NIK with another name
NO_CANDIDATE = "NO_CANDIDATE"  # nobody in the village or district with an agreeing name
COMPANY_NPWP = "COMPANY_NPWP"  # the owner is a company (NPWP), not a person
OUT_OF_SCOPE = "OUT_OF_SCOPE"  # registered outside the load's scope and no NIK match
HEAD_NOT_MEMBER = "HEAD_NOT_MEMBER"  # housing: the named head is not a member of that NO_KK
HEAD_BY_NAME = "HEAD_BY_NAME"  # housing: the head was found among the members by name only
HEAD_NIK_REPAIRED = "HEAD_NIK_REPAIRED"  # housing: the head's NIK was repaired among the members
NO_KK_NOT_FOUND = "NO_KK_NOT_FOUND"  # housing: the NO_KK is not in the registry
NAMESAKE_ELSEWHERE = "NAMESAKE_ELSEWHERE"  # the name agrees, but a namesake from elsewhere may hold it
NAMESAKE_UNLISTED = "NAMESAKE_UNLISTED"  # the name agrees, but so does a villager whose registry row was rejected
OWNER_ROW_REJECTED = "OWNER_ROW_REJECTED"  # the record's NIK is a person's whose registry row was rejected
NAME_MISSING = "NAME_MISSING"  # the record names nobody (blank, or a title alone): its registry NIK is unconfirmed
NIK_TWIN = "NIK_TWIN"  # the NIK's person agrees only weakly; a person one edit away bears the record's name
NOTES = (
    NIK_NAME_CONFLICT, NO_CANDIDATE, COMPANY_NPWP, OUT_OF_SCOPE, HEAD_NOT_MEMBER, HEAD_BY_NAME,
    HEAD_NIK_REPAIRED, NO_KK_NOT_FOUND, NAMESAKE_ELSEWHERE, NAMESAKE_UNLISTED, OWNER_ROW_REJECTED,
    NAME_MISSING, NIK_TWIN,
)

ASSET_LINKS_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "row_number": pl.Int64(),
    "record_id": pl.String(),
    "nik": pl.String(),
    "no_kk": pl.String(),
    "method": pl.String(),
    "score": pl.Float64(),
    "note": pl.String(),
    "candidates": pl.List(pl.String()),
}

# --- tuning (the policy thresholds are arguments; these shape the scorer) -------------------------
MAX_CANDIDATES = 50  # candidate pairs compared per record (NIK and name pairs together), at most
CHUNK_RECORDS = 35_000  # records name-matched together (whole districts), bounding memory
GROUPS_AT_ONCE = 2  # groups of districts name-matched at the same time, each in a thread of its own
KEEP_FRACTION = 0.6  # a pair is scored only if its blocking weight is this share of the best's
VILLAGE_KEY_CAP = 100  # a token key shared by more persons of a village does not block alone
DISTRICT_KEY_CAP = 300  # the same within a district
PREFIX = 4  # token keys are the first letters of each canonical token
MAX_TOKENS = 5  # pair keys are built from the first tokens only
PARTIAL_MAX = 0.95  # a name that is the other minus some parts scores at most this...
PARTIAL_COMMON_PENALTY = 0.10  # ...less this much when the shared parts are common names
CUT_MAX = 2  # a record's part of at most this many letters may be a part cut short (`S`, `AM`)
CUT_FACTOR = 0.90  # a name agreeing through parts cut short scores this share of its completion
_SHORT_PART = rf"(?:^| )[A-Z]{{1,{CUT_MAX}}}(?: |$)"  # a name key with a part that short
IDF_REFERENCE = 10.0  # shared parts whose idf adds up to this (or ln N) are fully distinctive
RT_RW_AGREE = 0.05  # vehicle address RT and RW equal the person's (same village)
RT_RW_DIFFER = -0.15  # vehicle address RT or RW differs from the person's (same village)
OTHER_VILLAGE = -0.10  # a name candidate living in another village than the record's
ELSEWHERE_PRIOR_N = 20  # pseudo-records (none from elsewhere) added to that share's estimate
ELSEWHERE_Z = 1.645  # ...and the share taken at this many standard errors above it (one-sided 95 %)
MAX_ELSEWHERE_ODDS = 0.01  # name-only acceptance: odds that a holder from elsewhere bears the name
# Pseudo-records of the registry-wide spread added to the NIK-linked records that show which
# districts a district's holders from other districts live in (`_near_flow_counts`)
FLOW_PRIOR_N = 2
# List the district's namesakes beside the villager of a record held for namesakes elsewhere?
# Each is a candidate household that the record may send to review (docs/linkage.md).
LIST_DISTRICT_NAMESAKES = False
ADDRESS_AGREE = 0.02  # the person's street address is contained in the vehicle address
EPS = 1e-9


# The columns `link_assets` reads from each typed extract: a step may load only these. An optional
# column it does not find is taken as empty (`_col`), so a column used here must be listed here
# (tests/test_linkage.py checks that the links are the same on frames cut to these columns).
COLUMNS = {
    "penduduk": ("NIK", "NO_KK", "NAMA_LGKP", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "TGL_LHR", "ROW_NUMBER"),
    "tanah": ("NIB", "NIK_PEMEGANG", "NIK_PEMEGANG_RAW", "NAMA_PEMEGANG", "KODE_WILAYAH", "IN_SCOPE", "PENGGUNAAN",
              "TGL_TERBIT", "ROW_NUMBER"),
    "kendaraan": ("NO_RANGKA", "NIK_PEMILIK", "NIK_PEMILIK_RAW", "NPWP_PEMILIK", "NAMA_PEMILIK", "ALAMAT_PEMILIK",
                  "KODE_WILAYAH", "IN_SCOPE", "ROW_NUMBER"),
    "rumah": ("NO_KK", "NIK_KEPALA", "NIK_KEPALA_RAW", "NAMA_KEPALA", "KODE_WILAYAH", "ROW_NUMBER"),
}

# Candidate pairs scored, per record and stage, while `link_assets(..., stats=...)` runs.
_PAIR_LOG: ContextVar[list | None] = ContextVar("_PAIR_LOG", default=None)


def _log_pairs(pairs: pl.DataFrame, stage: str) -> None:
    log = _PAIR_LOG.get()
    if log is not None and pairs.height:
        log.append(pairs.group_by("rid").len().with_columns(stage=pl.lit(stage)))


# --- small helpers --------------------------------------------------------------------------------
def _col(df: pl.DataFrame, name: str, dtype: pl.DataType = pl.String()) -> pl.Expr:
    """A column of the frame, or nulls when the frame lacks it (an optional column)."""
    return pl.col(name).cast(dtype) if name in df.columns else pl.lit(None, dtype=dtype)


def _tokens(key: str) -> pl.Expr:
    """The parts of a name key (null for a missing key)."""
    return pl.col(key).str.split(" ")


def _with_key(df: pl.DataFrame, name_col: str) -> pl.DataFrame:
    """Add `key` (the canonical name) and `toks` (its tokens), computed once per distinct name."""
    names = df.select(pl.col(name_col)).unique().drop_nulls()
    names = names.with_columns(_norm=name_expr(pl.col(name_col))).with_columns(
        key=key_from_normalised_expr(pl.col("_norm"))
    )
    out = df.join(names.select(name_col, "key"), on=name_col, how="left", nulls_equal=False)
    return out.with_columns(toks=_tokens("key"))


def _per_distinct(df: pl.DataFrame, col: str, **exprs: pl.Expr) -> pl.DataFrame:
    """Add `exprs` (of `col` alone) to `df`, computed once per distinct value of `col`: addresses
    and RT/RW numbers repeat (at 1,700,000 persons, 2,102 distinct addresses)."""
    distinct = df.select(pl.col(col).unique()).drop_nulls().with_columns(**exprs)
    return df.join(distinct, on=col, how="left", maintain_order="left")


def _clean_rt(e: pl.Expr) -> pl.Expr:
    digits = e.cast(pl.String).str.strip_chars().str.extract(r"^0*([0-9]{1,3})$", 1)
    return digits.str.zfill(3)


def _address_clean(e: pl.Expr) -> pl.Expr:
    e = e.cast(pl.String).str.to_uppercase()
    e = e.str.replace_all(r"\bRT\s*[./]?\s*RW\.?\s*:?\s*[0-9]{1,3}\s*/\s*[0-9]{1,3}", " ")
    e = e.str.replace_all(r"\bR[TW]\.?\s*:?\s*[0-9]{1,3}\b", " ")
    e = e.str.replace_all(r"[^A-Z0-9]+", " ").str.strip_chars(" ")
    return pl.when(e.str.len_chars() > 0).then(e).otherwise(None)


def parse_rt_rw(e: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """RT and RW (3-digit strings) from address text like `RT 003 RW 002` or `RT/RW 3/2`."""
    up = e.cast(pl.String).str.to_uppercase()
    both = r"\bRT\s*[./]?\s*RW\.?\s*:?\s*0*([0-9]{1,3})\s*/\s*0*([0-9]{1,3})"
    rt = pl.coalesce(up.str.extract(both, 1), up.str.extract(r"\bRT\.?\s*:?\s*0*([0-9]{1,3})\b", 1))
    rw = pl.coalesce(up.str.extract(both, 2), up.str.extract(r"\bRW\.?\s*:?\s*0*([0-9]{1,3})\b", 1))
    return rt.str.zfill(3), rw.str.zfill(3)


# --- the registry ---------------------------------------------------------------------------------
def _registry(penduduk: pl.DataFrame) -> pl.DataFrame:
    reg = penduduk.select(
        nik=pl.col("NIK").cast(pl.String),
        no_kk=pl.col("NO_KK").cast(pl.String),
        NAMA_LGKP=pl.col("NAMA_LGKP").cast(pl.String),
        village=pl.col("KODE_WILAYAH").cast(pl.String),
        _rt=_col(penduduk, "NO_RT"),
        _rw=_col(penduduk, "NO_RW"),
        _addr=_col(penduduk, "ALAMAT"),
        born=_col(penduduk, "TGL_LHR", pl.Date()),
    ).with_row_index("pid")
    reg = _per_distinct(reg, "_rt", p_rt=_clean_rt(pl.col("_rt")))
    reg = _per_distinct(reg, "_rw", p_rw=_clean_rt(pl.col("_rw")))
    reg = _per_distinct(reg, "_addr", p_addr=_address_clean(pl.col("_addr")))
    reg = reg.select("pid", "nik", "no_kk", "NAMA_LGKP", "village", "p_rt", "p_rw", "p_addr", "born")
    reg = _with_key(reg, "NAMA_LGKP").drop("NAMA_LGKP")
    return reg.with_columns(district=pl.col("village").str.slice(0, 8))


def _unlisted(unlisted: pl.DataFrame | None) -> pl.DataFrame:
    """The persons of rejected registry rows: `nik` (valid, or null), `key`, `village`, `born`,
    `u_rt`, `u_rw` (null where unread)."""
    if unlisted is None:
        return pl.DataFrame(schema={"nik": pl.String, "key": pl.String, "village": pl.String, "born": pl.Date,
                                    "u_rt": pl.String, "u_rw": pl.String})
    frame = unlisted.select(
        nik=_col(unlisted, "NIK"),
        NAMA_LGKP=pl.col("NAMA_LGKP").cast(pl.String),
        village=pl.col("KODE_WILAYAH").cast(pl.String),
        born=_col(unlisted, "TGL_LHR", pl.Date()),
        u_rt=_clean_rt(_col(unlisted, "NO_RT")),
        u_rw=_clean_rt(_col(unlisted, "NO_RW")),
    )
    return _with_key(frame, "NAMA_LGKP").select("nik", "key", "village", "born", "u_rt", "u_rw")


def _token_idf(reg: pl.DataFrame) -> pl.DataFrame:
    n = max(reg.height, 1)
    return (
        reg.select(tok=pl.col("toks").list.unique())
        .explode("tok")
        .drop_nulls()
        .group_by("tok")
        .len()
        .select("tok", idf=(pl.lit(float(n)) / pl.col("len")).log())
    )


# --- scoring --------------------------------------------------------------------------------------
def _name_scores(pairs: pl.DataFrame, idf: pl.DataFrame, n_registry: int) -> pl.DataFrame:
    """Name agreement (0-1) of each pair `rkey`/`pkey`: `name_score`, and `name_plain`, the same
    without the parts of the record cut short (`_cut_scores`), computed once per distinct pair of
    keys (namesakes make them repeat: at 1,000,000 persons 3.8 million pairs hold 270,000)."""
    if pairs.height == 0:
        return pl.DataFrame(schema={"name_score": pl.Float64, "name_plain": pl.Float64})
    keys = pairs.select(pl.col("rkey").fill_null(""), pl.col("pkey").fill_null(""))
    # (a key is never empty: "" stands for a missing one, whose tokens are missing too)
    distinct = keys.unique(maintain_order=True).with_columns(
        rtoks=pl.when(pl.col("rkey") != "").then(_tokens("rkey")),
        ptoks=pl.when(pl.col("pkey") != "").then(_tokens("pkey")),
    )
    plain = _distinct_name_scores(distinct, idf, n_registry).to_numpy()
    cut = _cut_scores(distinct, idf, n_registry)
    scored = distinct.select("rkey", "pkey").with_columns(
        name_score=pl.Series(np.maximum(plain, cut)), name_plain=pl.Series(plain)
    )
    return keys.join(scored, on=["rkey", "pkey"], how="left", maintain_order="left").select(
        "name_score", "name_plain")


def _cut_scores(pairs: pl.DataFrame, idf: pl.DataFrame, n_registry: int) -> np.ndarray:
    """The name score of each pair `rkey`/`pkey` (`rtoks`/`ptoks` their tokens) where the record's
    name is the person's with parts cut short (0 elsewhere).

    Every part of the record is one of the person's parts or a part of at most CUT_MAX letters
    that begins one of the person's other parts (`S` for SANTOSO, `AM` for AMINAH), at least one
    is so cut, and a whole part of three letters or more is shared. The score is the larger of
    CUT_FACTOR × the score of the record's name with its cut parts completed (`BUDI S` → `BUDI
    SANTOSO`; a part dropped besides still counts against it) and the score of the record's
    name without them (`BUDI`, a dropped part): an agreeing initial makes a name a candidate,
    and a link rests on the whole parts alone, as for a name with that part dropped
    (docs/linkage.md)."""
    out = np.zeros(pairs.height)
    r, p = pl.col("rtoks"), pl.col("ptoks")
    rest = r.list.set_difference(p)
    # (most records carry no part that short: a text search leaves them out before any list work)
    todo = pairs.select("rkey", r, p).with_row_index("_i").filter(
        pl.col("rkey").str.contains(_SHORT_PART)
    ).filter(
        (rest.list.len() > 0)
        & rest.list.eval(pl.element().str.len_chars() <= CUT_MAX).list.all()
        & r.list.set_intersection(p).list.eval(pl.element().str.len_chars() >= 3).list.any()
    )
    if not todo.height:
        return out
    rtok = (
        todo.select("_i", "ptoks", tok="rtoks", _pos=pl.int_ranges(r.list.len())).explode("tok", "_pos")
        .with_columns(_cut=~p.list.contains(pl.col("tok"))).lazy()
    )
    # the person's parts the record does not carry, in order
    free = todo.lazy().select("_i", ptok=p.list.set_difference(r)).with_columns(
        _ppos=pl.int_ranges(pl.col("ptok").list.len())).explode("ptok", "_ppos").drop_nulls("ptok")
    done = (
        rtok.filter("_cut").select("_i", "_pos", "tok").join(free, on="_i")
        .filter(pl.col("ptok").str.starts_with(pl.col("tok")))
        .group_by("_i", "_pos").agg(full=pl.col("ptok").sort_by("_ppos").first())
    )
    both = (
        rtok.join(done, on=["_i", "_pos"], how="left")
        .sort("_i", "_pos")
        .group_by("_i", maintain_order=True)
        .agg(whole=pl.coalesce("full", "tok"), kept=pl.col("tok").filter(~pl.col("_cut")),
             ptoks=pl.col("ptoks").first(),
             # every part that is none of the person's is completed
             _all=(pl.col("_cut") == pl.col("full").is_not_null()).all())
        .filter("_all")
        .collect()
    )
    if not both.height:
        return out
    # the completed names and the names without their cut parts, scored together
    frame = pl.concat([both.select("_i", "ptoks", rtoks=toks) for toks in ("whole", "kept")]).with_columns(
        rkey=pl.col("rtoks").list.join(" "), pkey=pl.col("ptoks").list.join(" "))
    scores = _distinct_name_scores(frame, idf, n_registry).to_numpy()
    whole, kept = scores[:both.height], scores[both.height:]
    out[both["_i"].to_numpy()] = np.maximum(np.round(CUT_FACTOR * whole, 4), kept)
    return out


def _distinct_name_scores(pairs: pl.DataFrame, idf: pl.DataFrame, n_registry: int) -> pl.Series:
    """Name agreement (0-1) of each pair `rkey`/`pkey` (canonical keys, `rtoks`/`ptoks` tokens).

    The larger of: token_sort_ratio (whole names, any order, typing errors), ratio (the names as
    written, for a typing error that moves a space), and token_set_ratio
    (one name is the other minus some parts) scaled down to at most PARTIAL_MAX, and further the
    more common the shared parts are (sum of their idf against IDF_REFERENCE).
    """
    if pairs.height == 0:
        return pl.Series("name_score", [], dtype=pl.Float64)
    a = pairs["rkey"].fill_null("").to_list()
    b = pairs["pkey"].fill_null("").to_list()
    srt = process.cpdist(a, b, scorer=fuzz.token_sort_ratio, workers=-1, dtype=np.float64) / 100.0
    # As written, too: a typing error that moves a space ("SRIJ ASRI") breaks the tokens.
    raw = process.cpdist(a, b, scorer=fuzz.ratio, workers=-1, dtype=np.float64) / 100.0
    srt = np.maximum(srt, raw)
    sts = process.cpdist(a, b, scorer=fuzz.token_set_ratio, workers=-1, dtype=np.float64) / 100.0
    common = np.ones(pairs.height)
    partial = np.flatnonzero(sts > srt + EPS)
    if partial.size:
        max_idf = math.log(max(n_registry, 1)) + 1.0
        shared = (
            pairs[partial]
            .select(
                _i=pl.Series(partial),
                tok=pl.col("rtoks").list.set_intersection(pl.col("ptoks")),
            )
            .explode("tok")
            .join(idf, on="tok", how="left")
            .group_by("_i")
            .agg(
                s=pl.when(pl.col("tok").is_null())
                .then(0.0)
                .otherwise(pl.col("idf").fill_null(max_idf))
                .sum()
            )
        )
        idx = shared["_i"].to_numpy()
        # A small registry cannot show idf values as high as the reference: cap it at ln(N).
        reference = min(IDF_REFERENCE, math.log(max(n_registry, 2)))
        common[idx] = 1.0 - np.minimum(1.0, shared["s"].to_numpy() / reference)
    part = sts * (PARTIAL_MAX - PARTIAL_COMMON_PENALTY * common)
    return pl.Series("name_score", np.round(np.maximum(srt, part), 4))


def _address_scores(pairs: pl.DataFrame) -> pl.Series:
    """token_set_ratio of the record's and the person's addresses, once per distinct pair."""
    keys = pairs.select(pl.col("r_addr").fill_null(""), pl.col("p_addr").fill_null(""))
    distinct = keys.unique(maintain_order=True)
    a = distinct["r_addr"].to_list()
    b = distinct["p_addr"].to_list()
    scored = distinct.with_columns(addr_score=pl.Series(
        process.cpdist(a, b, scorer=fuzz.token_set_ratio, workers=-1, dtype=np.float64) / 100.0))
    return keys.join(scored, on=["r_addr", "p_addr"], how="left", maintain_order="left")["addr_score"]


def _score_pairs(
    pairs: pl.DataFrame, recs: pl.DataFrame, reg: pl.DataFrame, idf: pl.DataFrame, stage: str = "",
    n_registry: int | None = None,
) -> pl.DataFrame:
    """Join the record and person sides onto (rid, pid) pairs and add `score` (0-1); `born_by`
    (the record's, null without one) and `born` (the person's) are carried for the name passes'
    age rule. `reg` may be
    part of the registry holding every person of the pairs; `n_registry` is then the whole
    registry's size (the name scores' idf reference)."""
    _log_pairs(pairs, stage)
    r_nik = pl.col("nik_check") if "nik_check" in recs.columns else pl.lit(None, pl.String)
    born_by = pl.col("born_by") if "born_by" in recs.columns else pl.lit(None, pl.Date)
    # the NIKs and their birth-date parts (digits 7-12) as integers, once per record and person,
    # not per pair
    p = pairs.select("rid", "pid").join(
        recs.select("rid", rkey="key", r_village="village", r_rt="r_rt",
                    r_rw="r_rw", r_addr="r_addr", r_nik=r_nik, born_by=born_by,
                    r_n=nik_to_int(r_nik), r_date=r_nik.str.slice(6, 6).cast(pl.Int32, strict=False)),
        on="rid",
    ).join(
        reg.select("pid", "nik", "no_kk", pkey="key", p_village="village",
                   p_rt="p_rt", p_rw="p_rw", p_addr="p_addr", born="born",
                   p_n=nik_to_int(pl.col("nik")), p_date=pl.col("nik").str.slice(6, 6).cast(pl.Int32, strict=False)),
        on="pid",
    )
    n = reg.height if n_registry is None else n_registry
    p = p.hstack(_name_scores(p, idf, n))
    same_village = pl.col("r_village") == pl.col("p_village")
    rt_known = pl.col("r_rt").is_not_null() & pl.col("p_rt").is_not_null()
    rw_known = pl.col("r_rw").is_not_null() & pl.col("p_rw").is_not_null()
    differ = (rt_known & (pl.col("r_rt") != pl.col("p_rt"))) | (
        rw_known & (pl.col("r_rw") != pl.col("p_rw"))
    )
    agree = rt_known & rw_known & (pl.col("r_rt") == pl.col("p_rt")) & (
        pl.col("r_rw") == pl.col("p_rw")
    )
    has_addr = pl.col("r_addr").is_not_null() & pl.col("p_addr").is_not_null()
    # The address counts only between a record and a person of its village: scored there alone.
    near = p.select(pl.arg_where(same_village & has_addr)).to_series() if p.height else None
    if near is not None and near.len():
        addr = pl.repeat(0.0, p.height, dtype=pl.Float64, eager=True).alias("addr_score")
        p = p.with_columns(addr.scatter(near, _address_scores(p[near].select("r_addr", "p_addr"))))
    else:
        p = p.with_columns(addr_score=pl.lit(0.0))
    adjust = (
        pl.when(same_village & differ).then(RT_RW_DIFFER)
        .when(same_village & agree).then(RT_RW_AGREE)
        .otherwise(0.0)
        + pl.when(same_village & has_addr & (pl.col("addr_score") >= 0.9)).then(ADDRESS_AGREE)
        .otherwise(0.0)
    )
    # A valid NIK on the record that is nobody's in the registry (`nik_check`) is evidence about
    # its holder: the person's own NIK typed with one typing error, or a NIK of the person issued
    # elsewhere (the birth-date part, digits 7-12, is the person's). Any other NIK is another
    # person's (a previous owner gone, a holder from elsewhere), and rules the pair out.
    # Judged only for the pairs of such records, a few in a hundred.
    other_person = pl.repeat(False, p.height, dtype=pl.Boolean, eager=True).alias("nik_other")
    with_nik = p.select(pl.arg_where(pl.col("r_n").is_not_null())).to_series() if p.height else None
    if with_nik is not None and with_nik.len():
        judged = p[with_nik].select(
            (~one_typing_error(pl.col("r_n"), pl.col("p_n")) & (pl.col("r_date") != pl.col("p_date"))).fill_null(False)
        ).to_series()
        other_person = other_person.scatter(with_nik, judged)
    return p.with_columns(other_person).with_columns(
        score=pl.when("nik_other").then(0.0)
        .otherwise((pl.col("name_score") + adjust).clip(0.0, 1.0).round(4)),
    ).drop("r_n", "p_n", "r_date", "p_date")


# --- NIK linking ----------------------------------------------------------------------------------
def _short_form(r: pl.Expr, p: pl.Expr) -> pl.Expr:
    """The record's name tokens `r` are a short form of the person's `p`: every token is one of
    the person's tokens or a single letter that is the initial of one, and at least one full
    token of three letters or more is shared (`BUDI S`, `SITI AMINAH` for `SITI NUR AMINAH`)."""
    rest = r.list.set_difference(p)
    initials = p.list.eval(pl.element().str.slice(0, 1))
    return (
        r.list.set_intersection(p).list.eval(pl.element().str.len_chars() >= 3).list.any()
        & rest.list.eval(pl.element().str.len_chars() == 1).list.all()
        & (rest.list.set_difference(initials).list.len() == 0)
    ).fill_null(False)


def _nik_candidates(
    recs: pl.DataFrame, reg: pl.DataFrame, idf: pl.DataFrame, agree: float, repair_agree: float,
    part: str = "assets", seek_twins: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Exact and repaired NIK hits of records (`rid`, `nik`, `nik_raw`, `key`, `toks`).

    Returns (exact, repaired, spent, twins): `exact` has `rid`, `pid`, `agrees` for every record
    whose NIK is a registry NIK; `repaired` has `rid`, `pid`, `home` (the person lives in the
    record's village) for every registry NIK one edit away from the record's NIK (or raw text)
    whose name agrees, for records without an exact hit that agrees (with `seek_twins`: that
    agrees at the accept threshold, a weak one being searched too); `twins` has `rid`, `pid` of
    the persons one edit away who bear the name of a record whose exact hit agrees only weakly
    (below; empty without `seek_twins`: housing checks its head among the card's members).
    A registry NIK is strong evidence, so an exact hit needs its names to agree at `agree` (the
    review threshold); a repaired NIK is a guess, and the person one edit away may be another
    person whose own row was rejected, so its names must agree at `repair_agree` (the accept
    threshold). The third frame counts the pairs compared per record (`rid`, `spent`).
    An exact hit whose name agrees only below the accept threshold, and not as a short form of the
    registry name, is weak: when a person one edit away from the NIK bears the record's name at the
    accept threshold (`ANTONIUS HARJOWIRYO` on KORNELIUS HARJOWIRYO's NIK, ANTONIUS's one digit
    away: twins, siblings born the same day), the NIK may be that person's, mistyped, and which of
    the two is meant cannot be told (`twins`).
    """
    exact = recs.filter(pl.col("nik").is_not_null()).select("rid", "nik", rkey="key").join(
        reg.select("pid", "nik", pkey="key"), on="nik"
    )
    # Most NIK hits carry the registry's name as written (the same key): those agree without
    # scoring; the others are scored.
    same = (pl.col("rkey") == pl.col("pkey")).fill_null(False)
    _log_pairs(exact.filter(same), f"{part}/nik_exact")
    exact = pl.concat([
        exact.filter(same).select("rid", "pid", agrees=pl.lit(True), short=pl.lit(False), weak=pl.lit(False)),
        _score_pairs(exact.filter(~same).select("rid", "pid"), recs, reg, idf, f"{part}/nik_exact")
        .with_columns(_form=_short_form(_tokens("rkey"), _tokens("pkey")))
        .select(
            "rid", "pid",
            agrees=(pl.col("name_plain") >= agree - EPS) & pl.col("rkey").is_not_null(),
            # a name agreeing only through parts cut short is a short form (the twin check below)
            short=pl.col("_form") | (pl.col("name_score") >= agree - EPS),
            weak=(pl.col("name_plain") < repair_agree - EPS) & ~pl.col("_form"),
        ),
    ])
    # A weak agreement is searched one edit away too, for a twin bearing the record's name.
    if not seek_twins:
        exact = exact.with_columns(weak=pl.lit(False))
    done = exact.filter(pl.col("agrees") & ~pl.col("weak")).select("rid")
    src = (
        recs.join(done, on="rid", how="anti")
        .select("rid", text=pl.coalesce("nik", "nik_raw"))
        .drop_nulls("text")
    )
    hits = nik_repair_hits(src, "rid", "text", reg["nik"]).join(
        reg.select("pid", "nik"), on="nik"
    )
    hit_scored = _score_pairs(hits.select("rid", "pid"), recs, reg, idf, f"{part}/nik_repair")
    # Every hit whose name agrees counts, wherever its person lives: a namesake one edit away in
    # another village makes two agreeing hits, and the NIK alone no longer says who is meant.
    repaired = hit_scored.filter(
        (pl.col("name_score") >= repair_agree - EPS) & pl.col("rkey").is_not_null()
    ).select("rid", "pid", home=(pl.col("r_village") == pl.col("p_village")).fill_null(False))
    # An exact NIK whose name is a short form of the registry name (parts dropped or cut to
    # initials) agrees, unless a person one edit away from that NIK (a twin, a sibling born the
    # same day) has a name that agrees or is a short form too: then it stays a conflict.
    rival = hit_scored.filter(
        pl.col("rkey").is_not_null()
        & ((pl.col("name_score") >= agree - EPS) | _short_form(_tokens("rkey"), _tokens("pkey")))
    ).select("rid").unique()
    short_ok = exact.filter(~pl.col("agrees") & pl.col("short")).join(rival, on="rid", how="anti")
    twins = hit_scored.filter(
        (pl.col("name_score") >= repair_agree - EPS) & pl.col("rkey").is_not_null()
    ).select("rid", "pid").join(exact.filter(pl.col("agrees") & pl.col("weak")).select("rid"), on="rid", how="semi")
    exact = exact.join(short_ok.select("rid", "pid", _s=pl.lit(True)), on=["rid", "pid"], how="left").select(
        "rid", "pid", agrees=pl.col("agrees") | pl.col("_s").fill_null(False)
    )
    spent = pl.concat([exact.select("rid"), hits.select("rid")]).group_by("rid").agg(spent=pl.len())
    return exact, repaired, spent, twins


def _sole_repair(repaired: pl.DataFrame) -> pl.DataFrame:
    """`rid`, `pid` of the records repaired: exactly one agreeing hit among `repaired` (the
    policy's "exactly one registry NIK whose name agrees", wherever its person lives), and that
    person living in the record's village (`home`)."""
    return (
        repaired.group_by("rid").agg(pl.col("pid").first(), pl.col("home").first(), n=pl.len())
        .filter((pl.col("n") == 1) & pl.col("home")).select("rid", "pid")
    )


# --- name linking ---------------------------------------------------------------------------------
WHOLE, PAIR, TOKEN, CUT = 0, 1, 2, 3  # kinds of blocking key


def _name_keys(df: pl.DataFrame, id_col: str, against: pl.DataFrame | None = None) -> pl.DataFrame:
    """Blocking keys of each name: `id_col`, `kind`, `kh` (64-bit hash of the key).

    Kinds: the whole key (WHOLE), pairs of token prefixes (PAIR: neighbours, and first with last
    for three tokens or more, in sorted order so that swapped parts meet), token prefixes
    (TOKEN), and a whole part's prefix with the initial of another part (CUT): a record makes
    these for its parts of at most CUT_MAX letters (a part cut short, `BUDI S`: `BUDI|S`), the
    registry, given `against` (the records' CUT keys, `kh`, and their `district`), for every
    other part of its names (`BUDI SANTOSO`: `BUDI|S` and `SANT|B`), kept for a person only where
    a record of the person's district has it (both passes search no farther). A hash collision
    can only add a spurious candidate pair, which scoring rejects. Built once per distinct name
    key (namesakes share them), then given to each id.
    """
    ids = df.lazy().select(id_col, "key").filter(pl.col("key").is_not_null())
    base = df.lazy().select("key", "toks").unique(subset=["key"]).select(
        key=pl.col("key"),
        pre=pl.col("toks").list.head(MAX_TOKENS).list.eval(
            pl.when(pl.element().str.len_chars() >= 2)
            .then(pl.element().str.slice(0, PREFIX))
            .otherwise(None)
        ),
        toks=pl.col("toks").list.head(MAX_TOKENS),
    ).filter(pl.col("key").is_not_null())
    parts = [
        base.select("key", kind=pl.lit(WHOLE, pl.UInt8), k=pl.col("key")),
        base.select("key", kind=pl.lit(TOKEN, pl.UInt8), k=pl.col("pre"))
        .explode("k").drop_nulls("k"),
    ]
    n = pl.col("pre").list.len()
    for i, j in [(i, i + 1) for i in range(MAX_TOKENS - 1)] + [(0, -1)]:
        a = pl.col("pre").list.get(i, null_on_oob=True)
        b = pl.col("pre").list.get(j, null_on_oob=True)
        ok = a.is_not_null() & b.is_not_null() & (n > 2 if j == -1 else n > j)
        parts.append(
            base.filter(ok).select(
                "key", kind=pl.lit(PAIR, pl.UInt8),
                k=pl.when(a <= b).then(a + "|" + b).otherwise(b + "|" + a),
            )
        )
    tok = base.select("key", "toks", _pos=pl.int_ranges(pl.col("toks").list.len())).explode("toks", "_pos")
    size = pl.col("toks").str.len_chars()
    whole = tok.filter(size >= 3).select("key", _f=pl.col("toks").str.slice(0, PREFIX), _fpos="_pos")
    initial = tok.filter(size <= CUT_MAX if against is None else size >= 2)
    parts.append(
        whole.join(initial, on="key").filter(pl.col("_fpos") != pl.col("_pos"))
        .select("key", kind=pl.lit(CUT, pl.UInt8), k=pl.col("_f") + "|" + pl.col("toks").str.slice(0, 1))
    )
    per_key = (
        pl.concat(parts)
        .select("key", "kind", kh=(pl.col("kind").cast(pl.String) + pl.col("k")).hash(7))
        .unique(subset=["key", "kh"])
    )
    if against is None:
        return ids.join(per_key, on="key").drop("key").collect()
    per_key = per_key.collect()
    wanted = against.lazy().select(_dh=pl.col("district").hash(7), kh="kh").unique()
    cut = per_key.filter((pl.col("kind") == CUT) & pl.col("kh").is_in(against["kh"].unique().implode()))
    return pl.concat([
        ids.join(per_key.lazy().filter(pl.col("kind") != CUT), on="key").drop("key"),
        df.lazy().select(id_col, "key", _dh=pl.col("district").hash(7)).join(cut.lazy(), on="key")
        .join(wanted, on=["_dh", "kh"], how="semi").drop("key", "_dh"),
    ]).collect()


def _candidate_pairs(
    recs: pl.DataFrame, rkeys: pl.DataFrame, reg: pl.DataFrame, pkeys: pl.DataFrame,
    level: str, cap: int, budget: pl.DataFrame | None = None, other_villages: bool = False,
) -> pl.DataFrame:
    """Blocking join: (rid, pid) pairs sharing a key in the same block, at most MAX_CANDIDATES.

    Whole-name and pair keys are joined first; token keys only for records that found nobody
    that way (a dropped part, or a typing error early in a part). A pair or token key shared by
    more than `cap` persons of the block is left out: it tells nobody apart. Each shared key
    weighs ln(block size / its frequency) + 1; pairs below KEEP_FRACTION of the record's best
    weight are not scored. Persons sharing a CUT key (a part of the record cut short) are added
    to these, whatever their weight.

    With `budget` (`rid`, `budget`: pairs the record may still have scored) at most that many
    pairs are kept, so that a record never has more than MAX_CANDIDATES pairs compared in all;
    with `other_villages`, persons of the record's own village are left out (the village pass
    scored them).
    """
    rb = recs.lazy().select("rid", b=pl.col(level).hash(7))
    pb = reg.lazy().select("pid", b=pl.col(level).hash(7)).join(
        rb.select("b").unique(), on="b", how="semi"
    )
    size = pb.group_by("b").agg(size=pl.len())
    has_cut = bool((rkeys["kind"] == CUT).any())  # a record with a part cut short
    if has_cut:  # three joins below use them: made once
        pb, size = (f.lazy() for f in pl.collect_all([pb, size]))

    def weighed(keys: pl.LazyFrame) -> pl.LazyFrame:
        pk = keys.join(pb, on="pid")
        keep = (
            pk.group_by("b", "kh").agg(freq=pl.len(), kind=pl.col("kind").first())
            .filter((pl.col("kind") == WHOLE) | (pl.col("freq") <= cap))
            .join(size, on="b")
            .select("b", "kh", w=(pl.col("size").cast(pl.Float64) / pl.col("freq")).log() + 1.0)
        )
        return pk.join(keep, on=["b", "kh"]).select("pid", "b", "kh", "kind", "w")

    is_cut = pl.col("kind") == CUT
    pk = weighed(pkeys.lazy().filter(~is_cut))
    rk = rkeys.lazy().join(rb, on="rid")

    def join(r: pl.LazyFrame, p: pl.LazyFrame) -> pl.DataFrame:
        return (
            r.select("rid", "b", "kh").join(p.select("pid", "b", "kh", "w"), on=["b", "kh"])
            .group_by("rid", "pid")
            .agg(w=pl.col("w").sum())
            .collect()
        )

    first = join(rk.filter(pl.col("kind") != TOKEN), pk.filter(pl.col("kind") != TOKEN))
    rest = rk.join(first.lazy().select("rid").unique(), on="rid", how="anti")
    second = join(rest, pk)
    # Rounded: a sum's last bits depend on the order it was added up in.
    pairs = pl.concat([first, second]).with_columns(pl.col("w").round(9)).filter(
        pl.col("w") >= KEEP_FRACTION * pl.col("w").max().over("rid")
    )
    # A part cut short (`BUDI S`): the persons bearing a whole part of the name and a part with
    # that initial are taken beside the others, whatever their weight, and their CUT key's
    # weight adds to what they share (the best of them rank first at the candidate cut).
    if has_cut:
        cut = join(rk.filter(is_cut), weighed(pkeys.lazy().filter(is_cut))).rename({"w": "_wc"})
        touched = pl.col("rid").is_in(cut["rid"].unique().implode())
        pairs = pl.concat([
            pairs.filter(~touched),
            pairs.filter(touched).join(cut, on=["rid", "pid"], how="full", coalesce=True).select(
                "rid", "pid", w=(pl.col("w").fill_null(0.0) + pl.col("_wc").fill_null(0.0)).round(9)),
        ])
    limit = pl.lit(MAX_CANDIDATES)
    if other_villages:
        pairs = (
            pairs.join(recs.select("rid", _rv="village"), on="rid")
            .join(reg.select("pid", _pv="village"), on="pid")
            .filter(pl.col("_rv") != pl.col("_pv"))
        )
    if budget is not None:
        pairs = pairs.join(budget, on="rid", how="left")
        limit = pl.min_horizontal(limit, pl.col("budget").fill_null(MAX_CANDIDATES))
    # Best weight first; among equal weights a person of the record's village, RT and RW first
    # (a vehicle's address: with more namesakes in the village than the cap, the ones at the
    # owner's address must not be cut), then the registry row order: the same input always
    # gives the same pairs.
    pairs = pairs.with_columns(_lim=limit, _n=pl.len().over("rid"))
    # Only records with more pairs than they may keep are ranked (sorting every pair cost more
    # than the rest of the blocking join).
    roomy = pairs.filter(pl.col("_n") <= pl.col("_lim")).select("rid", "pid")
    crowded = pairs.filter(pl.col("_n") > pl.col("_lim"))
    if not crowded.height:
        return roomy
    if other_villages:  # nobody of the record's village: nobody at its address
        crowded = crowded.with_columns(_near=pl.lit(False))
    else:
        crowded = crowded.join(recs.select("rid", _rv_a="village", _rt_a="r_rt", _rw_a="r_rw"), on="rid").join(
            reg.select("pid", _pv_a="village", _pt_a="p_rt", _pw_a="p_rw"), on="pid"
        ).with_columns(
            _near=((pl.col("_rv_a") == pl.col("_pv_a")) & (pl.col("_rt_a") == pl.col("_pt_a"))
                   & (pl.col("_rw_a") == pl.col("_pw_a"))).fill_null(False)
        )
    kept = (
        crowded.sort(["rid", "w", "_near", "pid"], descending=[False, True, True, False])
        .with_columns(_r=pl.int_range(1, pl.len() + 1).over("rid"))
        .filter(pl.col("_r") <= pl.col("_lim"))
        .select("rid", "pid")
    )
    return pl.concat([roomy, kept])


def _decide(scored: pl.DataFrame, accept: float, review: float, margin: float) -> pl.DataFrame:
    """Per record: best candidate, runner-up, and the outcome of the name policy.

    `outcome`: `ACCEPT` (best ≥ accept and ahead of the runner-up by ≥ margin), `CANDIDATE`
    (review ≤ best < accept, ahead by ≥ margin), `AMBIGUOUS` (best ≥ review but not ahead by the
    margin, or `held`: the best would be accepted on its name but a namesake from elsewhere may
    hold the record), `NONE` (best < review). `held` is true for a held best candidate,
    `unlisted` where a villager of the best's name whose registry row was rejected is among those
    namesakes.
    """
    for flag in ("held", "unlisted"):
        if flag not in scored.columns:
            scored = scored.with_columns(pl.lit(False).alias(flag))
    agg = (
        # (a registry NIK is 16 digits: ordered as a number, which sorts faster than its text)
        scored.sort(["rid", "score", pl.col("nik").cast(pl.Int64, strict=False)], descending=[False, True, False])
        .group_by("rid", maintain_order=True)
        .agg(
            best=pl.col("score").first(),
            held=pl.col("held").first(),
            unlisted=pl.col("unlisted").first(),
            second=pl.col("score").get(1, null_on_oob=True).fill_null(0.0),
            best_nik=pl.col("nik").first(),
            best_kk=pl.col("no_kk").first(),
            close=pl.col("nik").filter(pl.col("score") > pl.col("score").first() - margin + EPS),
        )
    )
    return agg.with_columns(
        outcome=pl.when(pl.col("best") < review - EPS).then(pl.lit("NONE"))
        .when((pl.col("best") - pl.col("second") < margin - EPS) | pl.col("held")).then(pl.lit("AMBIGUOUS"))
        .when(pl.col("best") >= accept - EPS).then(pl.lit("ACCEPT"))
        .otherwise(pl.lit("CANDIDATE"))
    )


def _name_pass(
    recs: pl.DataFrame, rkeys: pl.DataFrame, reg: pl.DataFrame, pkeys: pl.DataFrame,
    idf: pl.DataFrame, level: str, cap: int, accept: float, review: float, margin: float,
    elsewhere: Elsewhere, spent: pl.DataFrame, counts: dict, before: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Candidates of one block level, scored and decided: (decisions, scored pairs).

    `counts`: the registry's name counts (`_name_counts`); `reg` and `pkeys` need only hold the
    persons of the records' districts (the blocks searched), `counts["n"]` is the registry's size.
    `before`: the pairs the village pass scored; the district pass adds persons of other
    villages within what is left of each record's MAX_CANDIDATES and decides over both.
    `spent`: pairs already compared per record (`rid`, `spent`), NIK pairs and village pairs.
    """
    if before is not None:
        before = before.join(recs.select("rid"), on="rid", how="semi")
    budget = spent.select("rid", budget=MAX_CANDIDATES - pl.col("spent"))
    pairs = _candidate_pairs(recs, rkeys, reg, pkeys, level, cap, budget, before is not None)
    scored = _score_pairs(pairs, recs, reg, idf, f"assets/{level}", n_registry=counts["n"])
    # A person born after `born_by` was too young to be granted the certificate: not its holder.
    too_young = (pl.col("born") > pl.col("born_by")).fill_null(False)
    scored = scored.with_columns(score=pl.when(too_young).then(0.0).otherwise(pl.col("score")))
    # A namesake in another village is a candidate, never a link on the name alone.
    # A name borne by many across the registry, in a source whose records often lie outside
    # their holder's village, is held below `accept`: a holder from elsewhere may bear it; so is
    # a name that a villager whose registry row was rejected bears too.
    score = pl.col("score") + pl.when(pl.col("r_village") != pl.col("p_village")).then(
        OTHER_VILLAGE).otherwise(0.0)
    cap = accept - 0.01  # a held pair's score, below `accept`
    # The odds can change only a pair scoring above the cap (most pairs score less: every
    # namesake of another village, and the names that agree in part): counted for those alone.
    near = scored.select(pl.arg_where(score > cap - EPS)).to_series()
    odds = pl.repeat(0.0, scored.height, dtype=pl.Float64, eager=True).alias("odds")
    uv = pl.repeat(0, scored.height, dtype=pl.UInt32, eager=True).alias("_uv")
    if near.len():
        sub = _with_elsewhere_odds(
            scored[near].select("rid", "pkey", "rkey", "r_village", "r_rt", "r_rw", "born_by")
            .join(recs.select("rid", "stratum"), on="rid", how="left", maintain_order="left"),
            counts, elsewhere,
        )
        odds = odds.scatter(near, sub["odds"])
        uv = uv.scatter(near, sub["_uv"].cast(pl.UInt32))
    scored = scored.with_columns(odds, uv)
    suspect = pl.col("odds") > MAX_ELSEWHERE_ODDS
    held = suspect & (score >= accept - EPS)
    score = pl.when(suspect).then(pl.min_horizontal(score, pl.lit(cap))).otherwise(score)
    scored = scored.with_columns(
        score=score.clip(0.0, 1.0).round(4), held=held, unlisted=held & (pl.col("_uv") > 0)
    ).select("rid", "nik", "no_kk", "score", "held", "unlisted")
    if before is not None:
        scored = pl.concat([before, scored])
    return _decide(scored, accept, review, margin), scored


class Elsewhere(NamedTuple):
    """What the NIK-linked records tell of holders living elsewhere (`_elsewhere_share`).

    `shares`: per stratum, `p_district` (another village of the record's district), `p_near`
    (a registry person of another district) and `p_out` (a NIK nobody's in the registry).
    `flows`: per source (`src`), record district (`_rd`) and holder district (`_pd`), the
    records linked from there (`_k`) and from any other district (`_nd`)."""
    shares: pl.DataFrame
    flows: pl.DataFrame


def _elsewhere_share(recs: pl.DataFrame, exact: pl.DataFrame, reg: pl.DataFrame,
                     unknown: pl.DataFrame) -> Elsewhere:
    """Per stratum (vehicles; land per PENGGUNAAN: a house plot lies where its holder lives far
    more often than a sawah), how often a record's holder lives elsewhere, from the records in
    scope that carry a valid NIK: `p_district` the share NIK-linked to a person of another
    village of the record's district; `p_near` the share linked to a person of another district;
    `p_out` the share whose NIK is nobody's in the registry (`unknown`: a holder from another
    regency, or one whose registry row was rejected: where such a person lives is often what was
    wrong with the row). Each is shrunk towards 0 by ELSEWHERE_PRIOR_N pseudo-records, so
    that a handful of NIK links does not make every name suspect, then taken at its upper
    bound, ELSEWHERE_Z standard errors above (a share with none from elsewhere stays 0): the
    records matched by name are those without a NIK, a sample the NIK-bearing ones stand for
    only roughly (older certificates, holders from elsewhere), and a doubt holds a record for a
    field check where a low guess would link it.

    And per source and district, which districts its holders from other districts live in
    (`flows`): land held from another district is mostly held from next door."""
    linked = exact.join(recs.select("rid", "stratum", "village"), on="rid").join(
        reg.select("pid", p_village="village"), on="pid"
    )
    away = pl.col("village") != pl.col("p_village")
    same_d = away & (pl.col("village").str.slice(0, 8) == pl.col("p_village").str.slice(0, 8))
    counts = pl.concat([
        linked.select("stratum", _d=same_d.cast(pl.Int64), _n=(away & ~same_d).cast(pl.Int64),
                      _o=pl.lit(0, pl.Int64)),
        unknown.join(recs.select("rid", "stratum"), on="rid").select(
            "stratum", _d=pl.lit(0, pl.Int64), _n=pl.lit(0, pl.Int64), _o=pl.lit(1, pl.Int64)),
    ])
    m = pl.len() + ELSEWHERE_PRIOR_N

    def upper(hits: str) -> pl.Expr:
        p = pl.col(hits).sum() / m
        return p + ELSEWHERE_Z * (p * (1.0 - p) / m).sqrt()

    share = counts.group_by("stratum").agg(p_district=upper("_d"), p_near=upper("_n"), p_out=upper("_o"))
    shares = recs.select(pl.col("stratum").unique()).join(share, on="stratum", how="left").select(
        "stratum", *(pl.col(c).fill_null(0.0) for c in ("p_district", "p_near", "p_out"))
    )
    flows = (
        linked.filter(away & ~same_d)
        .group_by(src=pl.col("stratum").str.split("/").list.first(),
                  _rd=pl.col("village").str.slice(0, 8), _pd=pl.col("p_village").str.slice(0, 8))
        .agg(_k=pl.len())
        .with_columns(_nd=pl.col("_k").sum().over("src", "_rd"))
    )
    return Elsewhere(shares, flows)


def _name_counts(reg: pl.DataFrame, unlisted: pl.DataFrame, places: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The registry's counts `_with_elsewhere_odds` needs, computed once per load: persons
    (`n`), villages (`villages`), villages and persons per district (`districts`: `_d`, `_nv`,
    `_pop`), and persons per name key
    (`counts`), per key and district (`in_d`) and per key and village (`in_v`), counting the
    persons of rejected rows (`unlisted`: key, village, born) too, and those alone one row each
    with where they may live (`unlisted_at`: `places`, `_unlisted_places`); each both in all (`_n`
    per group) and by birth date
    (`<name>_by_birth`): for the registry-wide counts as running counts in birth order (`_n`
    persons born on or before `_b`: a group of records asks about most keys), for the others
    (`_LOCAL`) per birth date (`_n` persons born on `_b`), made running by `_counts_born_by` for
    the groups asked about. Keys, districts and villages are grouped by their 64-bit hashes
    (`_kh`, `_dh`, `_vh`). A missing birth date counts as of age."""
    def hashed(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("key").is_not_null()).select(
            _kh=pl.col("key").hash(7), _dh=pl.col("village").str.slice(0, 8).hash(7),
            _vh=pl.col("village").hash(7), _b=pl.col("born").fill_null(date(1900, 1, 1)),
        )
    everyone = pl.concat([hashed(reg), hashed(unlisted)])
    out: dict = {
        "n": max(reg.height, 1),
        "villages": max(reg["village"].n_unique(), 1),
        "districts": reg.group_by(_d=pl.col("village").str.slice(0, 8)).agg(
            _nv=pl.col("village").n_unique(), _pop=pl.len()),
    }
    for name, by in _COUNTED.items():
        per_day = everyone.group_by(*by, "_b").agg(_n=pl.len())
        out[name] = per_day.group_by(*by).agg(pl.col("_n").sum())
        out[f"{name}_by_birth"] = per_day if name in _LOCAL else _running(per_day, by)
    out["unlisted_at"] = places
    return out


def _unlisted_places(unlisted: pl.DataFrame, reg: pl.DataFrame) -> pl.DataFrame:
    """Where each person of a rejected registry row may live, for `_possible_holders`: `_kh`
    (their name key's hash), `_ph` (the hash of their village, or for a village code that no
    registry person lives in, one the reference lacks, of its district), `u_rt`, `u_rw`,
    `u_born`, `u_nik`, and `_u` (the person)."""
    known = pl.col("village").is_in(reg["village"].unique().implode())
    return unlisted.filter(pl.col("key").is_not_null()).select(
        _kh=pl.col("key").hash(7),
        _ph=pl.when(known).then(pl.col("village")).otherwise(pl.col("village").str.slice(0, 8)).hash(7),
        u_rt="u_rt", u_rw="u_rw", u_born="born", u_nik="nik",
    ).with_row_index("_u")


def _holder_columns(record_key: str, person_key: str, village: str, land: pl.Expr) -> dict[str, pl.Expr]:
    """The columns `_possible_holders` asks of a record and its candidate: the hashes of both name
    keys (`_kr`, `_kp`), of the record's village and district (`_pv`, `_pd`), its `r_rt`, `r_rw`,
    `born_by`, and `land`."""
    return {
        "_kr": pl.col(record_key).hash(7), "_kp": pl.col(person_key).hash(7),
        "_pv": pl.col(village).hash(7), "_pd": pl.col(village).str.slice(0, 8).hash(7),
        "r_rt": pl.col("r_rt"), "r_rw": pl.col("r_rw"), "born_by": pl.col("born_by"), "land": land,
    }


def _possible_holders(rows: pl.DataFrame, places: pl.DataFrame) -> pl.DataFrame:
    """Per row of `rows` (`_i` and `_holder_columns`), the persons of rejected registry rows
    (`places`: `_unlisted_places`) who may hold the record as much as a listed namesake: bearing
    the record's name or the candidate's, living in its village (their village code unknown:
    anywhere in its district), and for land of age on the certificate's issue date (where both
    dates are known), for a vehicle at its RT and RW (an unread one on either side agreeing: the
    owner's address tells nobody apart then). One row per pair: `_i`, `_u`."""
    found = pl.concat([
        rows.join(places, left_on=[k, p], right_on=["_kh", "_ph"]) for k in ("_kr", "_kp") for p in ("_pv", "_pd")
    ]).unique(["_i", "_u"])

    def agree(r: str, u: str) -> pl.Expr:
        return pl.col(r).is_null() | pl.col(u).is_null() | (pl.col(r) == pl.col(u))

    of_age = pl.col("born_by").is_null() | pl.col("u_born").is_null() | (pl.col("u_born") <= pl.col("born_by"))
    at_address = agree("r_rt", "u_rt") & agree("r_rw", "u_rw")
    return found.filter(of_age & (pl.col("land") | at_address)).select("_i", "_u")


def _running(per_day: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Counts per group and birth date made running (born on or before `_b`), sorted by `_b`."""
    return per_day.sort(*by, "_b").with_columns(pl.col("_n").cum_sum().over(by)).sort("_b")


# (a village lies in one district: grouping by both is grouping by the village, and lets a group
# of districts take its own part of the counts, `_counts_of_districts`)
_COUNTED = {"counts": ["_kh"], "in_d": ["_kh", "_dh"], "in_v": ["_kh", "_dh", "_vh"]}
_LOCAL = ("in_d", "in_v")


def _counts_of_districts(counts: dict, districts: pl.Series, flows: pl.DataFrame) -> dict:
    """`counts` (`_name_counts`) with the per-district and per-village counts cut to `districts`:
    a group of records asks about its own districts and villages only, and about the districts
    their holders from other districts live in (`flows`: `Elsewhere.flows`), as `homes` and
    `homes_by_birth` (the per-district counts of those districts)."""
    districts = districts.unique()
    dh = districts.hash(7).implode()
    local = dict(counts)
    for name in _LOCAL:
        for table in (name, f"{name}_by_birth"):
            local[table] = counts[table].filter(pl.col("_dh").is_in(dh))
    homes = flows.filter(pl.col("_rd").is_in(districts.implode()))["_pd"].unique().hash(7).implode()
    local["homes"], local["homes_by_birth"] = (
        counts[table].filter(pl.col("_dh").is_in(homes)) for table in ("in_d", "in_d_by_birth"))
    return local


_COUNT_COLUMN = {"counts": "_c", "in_d": "_cd", "in_v": "_cv"}


def _born_by(rows: pl.DataFrame, by: list[str], by_birth: pl.DataFrame, totals: pl.DataFrame,
             per_day: bool) -> pl.DataFrame:
    """`rows` (the `by` columns and `_cut`, in any order) with `_n`: the persons of their group
    born on or before `_cut` (`by_birth`: `by`, `_b`, `_n`, persons born on `_b` with `per_day`,
    else already running), or all of them (`totals`) where `_cut` is null."""
    dated = rows.filter(pl.col("_cut").is_not_null()).sort("_cut")
    # only the groups asked for (an as-of join hashes its whole right side each time)
    asked = by_birth.join(dated.select(by).unique(), on=by, how="semi", maintain_order="left")
    dated = dated.join_asof(_running(asked, by) if per_day else asked, left_on="_cut", right_on="_b", by=by,
                            strategy="backward", check_sortedness=False).drop("_b")
    undated = rows.filter(pl.col("_cut").is_null()).join(totals, on=by, how="left")
    return pl.concat([dated, undated], how="vertical_relaxed")


def _counts_born_by(scored: pl.DataFrame, counts: dict) -> pl.DataFrame:
    """`_c`, `_cd`, `_cv` for each row of `scored` (same order): the persons bearing the
    candidate's name key (`pkey`) in the registry, in the record's district (`_d`) and in its
    village (`r_village`), born on or before the record's `born_by` (everyone, where it is null).
    Counted once per distinct key, place and date, on a narrow frame of hashes."""
    q = scored.select(_kh=pl.col("pkey").hash(7), _dh=pl.col("_d").hash(7), _vh=pl.col("r_village").hash(7),
                      _cut=pl.col("born_by"))
    distinct = q.unique()
    for name, by in _COUNTED.items():
        distinct = _born_by(distinct, by, counts[f"{name}_by_birth"], counts[name], name in _LOCAL).rename(
            {"_n": _COUNT_COLUMN[name]})
    return q.join(distinct, on=["_kh", "_dh", "_vh", "_cut"], how="left", maintain_order="left",
                  nulls_equal=True).select("_c", "_cd", "_cv")


def _with_elsewhere_odds(scored: pl.DataFrame, counts: dict, elsewhere: Elsewhere) -> pl.DataFrame:
    """Add `odds`: that a record of this name in this village belongs to a holder from elsewhere
    rather than to the village's namesake.

    With q = 1 - p_district - p_near - p_out (`Elsewhere.shares`, per stratum):

    - from another village of the same district: the district's other villages hold `_cd`
      persons bearing the candidate's name, known exactly from the registry, each holding a
      record here with odds p_district/q / (villages of the district - 1);
    - from another district of the registry: the districts the record district's NIK-linked
      holders from other districts live in (`Elsewhere.flows`, with FLOW_PRIOR_N pseudo-records
      spread as the registry's persons are), each with the share of those holders it houses,
      times the share of its persons bearing the name (`_near_flow_counts`), times the persons
      of an average village of the record's district (a holder from another district holds a
      parcel in any village of it alike, whatever its population), times p_near/q;
    - from outside the registry (another regency): they bear the name as often as the
      registry's persons do and hold parcels in any village alike: λ = registry count /
      villages in the registry, with odds p_out/q × λ (a village's own holders grow with its
      population, those from afar do not: docs/linkage.md).

    Each person of a rejected registry row who may hold the record as much as the candidate
    (`_uv`, kept in the output: `_possible_holders`, bearing the candidate's name or the record's)
    adds odds 1."""
    villages, n_all = counts["villages"], counts["n"]
    q = (1.0 - pl.col("p_district") - pl.col("p_near") - pl.col("p_out")).clip(EPS, 1.0)
    scored = scored.with_columns(_d=pl.col("r_village").str.slice(0, 8))
    scored = scored.hstack(_counts_born_by(scored, counts))
    scored = scored.hstack([_unlisted_holders(scored, counts["unlisted_at"]).alias("_uv")])
    scored = scored.hstack(_near_flow_counts(scored, counts, elsewhere.flows))
    # the registry's spread: namesakes outside the record's district per person living there
    spread = (pl.col("_c") - pl.col("_cd").fill_null(0)).clip(0, None) / (n_all - pl.col("_pop")).clip(1, None)
    w = pl.col("_nd") / (pl.col("_nd") + FLOW_PRIOR_N)
    return (
        scored.join(elsewhere.shares, on="stratum", how="left", maintain_order="left")
        .join(counts["districts"], on="_d", how="left", maintain_order="left")
        .with_columns(_pop=pl.col("_pop").fill_null(0))
        .with_columns(_near=w * pl.col("_flow") + (1.0 - w) * spread)
        # namesakes living in the district's other villages than the record's
        .with_columns(_cd=(pl.col("_cd").fill_null(0) - pl.col("_cv").fill_null(0)).clip(0, None))
        .with_columns(
            odds=(
                pl.col("p_district") / q * pl.col("_cd")
                / (pl.col("_nv") - 1).clip(1, None)
                + pl.col("p_near") / q * pl.col("_near") * pl.col("_pop") / pl.col("_nv").clip(1, None)
                + pl.col("p_out") / q * pl.col("_c") / villages
            ).fill_null(0.0)
        )
        .with_columns(odds=pl.col("odds") + pl.col("_uv"))
        .drop("_c", "p_near", "p_out", "p_district", "_d", "_cd", "_nv", "_cv", "_flow", "_nd", "_pop", "_near")
    )


def _near_flow_counts(scored: pl.DataFrame, counts: dict, flows: pl.DataFrame) -> pl.DataFrame:
    """For each row of `scored` (same order): `_flow`, the sum over the districts its record
    district's holders from other districts live in (`flows` of its source) of the share of
    those holders from there times the share of the persons there bearing the candidate's name
    (`pkey`), born on or before the record's `born_by`; `_nd`, how many such holders the shares
    rest on (0: none known, `_flow` 0)."""
    rows = scored.select(
        src=pl.col("stratum").str.split("/").list.first(), _rd="_d",
        _kh=pl.col("pkey").hash(7), _cut="born_by",
    ).with_row_index("_i")
    asked = rows.join(flows, on=["src", "_rd"]).with_columns(_dh=pl.col("_pd").hash(7))
    per = (
        _born_by(asked, ["_kh", "_dh"], counts["homes_by_birth"], counts["homes"], per_day=True)
        .join(counts["districts"].select(_pd="_d", _pop="_pop"), on="_pd", how="left")
        .group_by("_i")
        .agg(_flow=(pl.col("_k") / pl.col("_nd") * pl.col("_n").fill_null(0)
                    / pl.col("_pop").fill_null(0).clip(1, None)).sum(),
             _nd=pl.col("_nd").first())
    )
    return rows.select("_i").join(per, on="_i", how="left", maintain_order="left").select(
        pl.col("_flow").fill_null(0.0), pl.col("_nd").fill_null(0).cast(pl.Float64))


def _unlisted_holders(scored: pl.DataFrame, places: pl.DataFrame) -> pl.Series:
    """For each row of `scored` (same order), how many persons of rejected registry rows may hold
    its record as much as its candidate does (`_possible_holders`), by the candidate's name key
    (`pkey`) or the record's (`rkey`: a record under a name that only partly agrees with the
    candidate's may be that of a person bearing it whole). Asked once per distinct question."""
    cols = _holder_columns("rkey", "pkey", "r_village", pl.col("stratum").str.starts_with("tanah"))
    rows = scored.select(**cols)
    distinct = rows.unique().with_row_index("_i")
    hits = _possible_holders(distinct, places).group_by("_i").agg(_n=pl.len())
    counted = distinct.join(hits, on="_i", how="left").drop("_i")
    return rows.join(counted, on=list(cols), how="left", maintain_order="left", nulls_equal=True)["_n"].fill_null(0)


def _name_links(
    recs: pl.DataFrame, reg: pl.DataFrame, idf: pl.DataFrame,
    accept: float, review: float, margin: float, elsewhere: Elsewhere, spent: pl.DataFrame,
    unlisted: pl.DataFrame, places: pl.DataFrame,
) -> pl.DataFrame:
    """Village pass, then a district pass for records the village did not settle. `unlisted`: the
    persons of rejected registry rows (`_unlisted`), `places`: where they may live (`_unlisted_places`).

    Records are taken a group of whole districts at a time (a new group starts once CHUNK_RECORDS
    records are taken, so a group exceeds it by less than its last district's records), which
    bounds the memory of the blocking joins; GROUPS_AT_ONCE groups are matched side by side. The
    result depends on neither.
    """
    # The CUT keys of the records with a part cut short (few), and in their districts the persons'
    # that meet them.
    short = recs.filter(pl.col("key").str.contains(_SHORT_PART))
    against = _name_keys(short, "rid").filter(pl.col("kind") == CUT).join(
        short.select("rid", "district"), on="rid").select("district", "kh")
    pkeys = _name_keys(reg, "pid", against=against)
    counts = _name_counts(reg, unlisted, places)
    sizes = recs.group_by("district").len().sort("district")
    group = (sizes["len"].cum_sum() - sizes["len"]) // CHUNK_RECORDS
    chunk_of = sizes.select("district", _chunk=group)
    recs = recs.join(chunk_of, on="district", how="left").with_columns(pl.col("_chunk").fill_null(0))
    out = in_threads(
        lambda part: _name_links_chunk(part.drop("_chunk"), reg, pkeys, idf, accept, review, margin,
                                       elsewhere, spent, _counts_of_districts(counts, part["district"], elsewhere.flows)),
        recs.partition_by("_chunk", maintain_order=True),
        GROUPS_AT_ONCE,
    )
    if not out:
        return _decide(pl.DataFrame(schema={"rid": pl.UInt32, "nik": pl.String, "no_kk": pl.String,
                                             "score": pl.Float64}), accept, review, margin)
    return pl.concat(out)


def _name_links_chunk(
    recs: pl.DataFrame, reg: pl.DataFrame, pkeys: pl.DataFrame, idf: pl.DataFrame,
    accept: float, review: float, margin: float, elsewhere: Elsewhere, spent: pl.DataFrame,
    counts: dict,
) -> pl.DataFrame:
    rkeys = _name_keys(recs, "rid")
    spent = spent.join(recs.select("rid"), on="rid", how="semi")
    # Both passes search the records' villages and districts only: the persons living there.
    reg = reg.join(recs.select("district").unique(), on="district", how="semi")
    pkeys = pkeys.join(reg.select("pid"), on="pid", how="semi")
    village, v_scored = _name_pass(
        recs, rkeys, reg, pkeys, idf, "village", VILLAGE_KEY_CAP, accept, review, margin,
        elsewhere, spent, counts,
    )
    spent = pl.concat([
        spent.select("rid", pl.col("spent").cast(pl.UInt32)),
        v_scored.group_by("rid").agg(spent=pl.len().cast(pl.UInt32)),
    ]).group_by("rid").agg(pl.col("spent").sum())
    # A record held for namesakes elsewhere goes on to the district pass when they are listed.
    listed = pl.col("held") if LIST_DISTRICT_NAMESAKES else pl.lit(False)
    settled = village.filter(
        (pl.col("outcome") == "ACCEPT")
        | ((pl.col("outcome") == "AMBIGUOUS") & (pl.col("best") >= accept - EPS))
    )
    if 1.0 + OTHER_VILLAGE < accept - EPS:
        # The district can only accept a namesake of another village if its score can reach
        # `accept`; when it cannot, its result is used only where the village had nothing, and
        # to list the district's namesakes of a record held for them.
        settled = village.filter((pl.col("outcome") != "NONE") & ~listed)
    # A village link on a name that agrees only in part (a dropped or added part, a typing
    # error) is challenged by the district: a person of another village bearing the record's
    # name as written scores up to 1 + OTHER_VILLAGE, within `margin` of such a link, and is
    # then as likely its holder. The district decides these over both passes' pairs.
    challenged = village.filter(
        (pl.col("outcome") == "ACCEPT") & (pl.col("best") < 1.0 + OTHER_VILLAGE + margin - EPS)
    ).select("rid")
    settled = settled.join(challenged, on="rid", how="anti")
    rest = recs.join(settled.select("rid"), on="rid", how="anti")
    district, _ = _name_pass(
        rest, rkeys, reg, pkeys, idf, "district", DISTRICT_KEY_CAP, accept, review, margin,
        elsewhere, spent, counts, before=v_scored,
    )
    # The district wins where it accepts, where the village had nothing to offer, or where the
    # village's best was held for namesakes elsewhere (the district lists them beside it).
    village_has = village.filter((pl.col("outcome") != "NONE") & ~listed).select("rid").join(
        challenged, on="rid", how="anti")
    from_district = district.filter(pl.col("outcome") == "ACCEPT").vstack(
        district.filter(pl.col("outcome") != "ACCEPT").join(village_has, on="rid", how="anti")
    )
    from_village = village.join(from_district.select("rid"), on="rid", how="anti")
    return pl.concat([from_village, from_district])


# --- assets ---------------------------------------------------------------------------------------
def _asset_records(tanah: pl.DataFrame, kendaraan: pl.DataFrame, holder_min_age: int) -> pl.DataFrame:
    """The land and vehicle records in one frame (`rid` their index), with their name key.

    `born_by`: for a land certificate, the latest birth date its holder can have, `holder_min_age`
    years before TGL_TERBIT (null for vehicles, for a missing date, or with `holder_min_age` 0)."""
    def one(df: pl.DataFrame, source: str, rid: str, nik: str, name: str, addr: str | None,
            npwp: str | None, use: str | None, issued: str | None) -> pl.DataFrame:
        address = _col(df, addr) if addr else pl.lit(None, dtype=pl.String)
        return df.select(
            source=pl.lit(source),
            row_number=pl.col("ROW_NUMBER").cast(pl.Int64),
            record_id=pl.col(rid).cast(pl.String),
            nik=_col(df, nik),
            nik_raw=_col(df, f"{nik}_RAW"),
            npwp=_col(df, npwp) if npwp else pl.lit(None, dtype=pl.String),
            name=pl.col(name).cast(pl.String),
            address=address,
            village=pl.col("KODE_WILAYAH").cast(pl.String),
            in_scope=_col(df, "IN_SCOPE", pl.Boolean()).fill_null(True),
            stratum=pl.lit(source) + pl.concat_str(
                pl.lit("/"), _col(df, use) if use else pl.lit(None, dtype=pl.String)
            ).fill_null(""),
            born_by=_col(df, issued, pl.Date()).dt.offset_by(f"-{holder_min_age}y")
            if issued and holder_min_age > 0 else pl.lit(None, dtype=pl.Date),
        )

    recs = pl.concat([
        one(tanah, "tanah", "NIB", "NIK_PEMEGANG", "NAMA_PEMEGANG", None, None, "PENGGUNAAN",
            "TGL_TERBIT"),
        one(kendaraan, "kendaraan", "NO_RANGKA", "NIK_PEMILIK", "NAMA_PEMILIK",
            "ALAMAT_PEMILIK", "NPWP_PEMILIK", None, None),
    ]).with_row_index("rid")
    rt, rw = parse_rt_rw(pl.col("address"))
    recs = _per_distinct(recs, "address", r_rt=rt, r_rw=rw, r_addr=_address_clean(pl.col("address")))
    recs = recs.with_columns(district=pl.col("village").str.slice(0, 8))
    return _with_key(recs, "name")


def _repair_in_doubt(rep: pl.DataFrame, recs: pl.DataFrame, reg: pl.DataFrame,
                     places: pl.DataFrame) -> pl.DataFrame:
    """The records (`rid`) of `rep` (`rid`, `pid`: a NIK repaired onto one registry person) whose
    repair is in doubt: a person of a rejected registry row whose NIK could not be read, bearing
    the record's name or the person's, may hold the record (`_possible_holders`). That person's
    own NIK may be the record's, one digit from the neighbour's: such a record goes on to be
    matched by name, where the same person holds it (`NAMESAKE_UNLISTED`). `places`: the persons
    of rejected rows (`_unlisted_places`)."""
    ghosts = places.filter(pl.col("u_nik").is_null())
    if not rep.height or not ghosts.height:
        return pl.DataFrame(schema={"rid": pl.UInt32})
    rows = rep.join(recs.select("rid", "source", "key", "village", "r_rt", "r_rw", "born_by"), on="rid").join(
        reg.select("pid", pkey="key"), on="pid"
    ).select(_i="rid", **_holder_columns("key", "pkey", "village", pl.col("source") == "tanah"))
    return _possible_holders(rows, ghosts).select(rid="_i").unique()


def _link_asset_records(
    recs: pl.DataFrame, reg: pl.DataFrame, idf: pl.DataFrame,
    accept: float, review: float, margin: float, unlisted: pl.DataFrame,
) -> pl.DataFrame:
    company = pl.col("npwp").is_not_null()
    persons = recs.filter(~company)
    exact, repaired, spent, twin_pairs = _nik_candidates(persons, reg, idf, review, accept)
    # A weak NIK agreement with a twin one edit away bearing the name: neither is linked, both
    # are listed (the NIK's person first), and the record goes to neither repair nor names.
    twins = (
        pl.concat([exact.join(twin_pairs.select("rid").unique(), on="rid", how="semi").select("rid", "pid", _o=pl.lit(0)),
                   twin_pairs.with_columns(_o=pl.lit(1))])
        .join(reg.select("pid", "nik"), on="pid")
        .sort("rid", "_o", "nik")
        .group_by("rid", maintain_order=True).agg(t_cands=pl.col("nik").unique(maintain_order=True))
    )
    repaired = repaired.join(twins.select("rid"), on="rid", how="anti")
    # A valid NIK that is nobody's in the registry but a person's whose registry row was
    # rejected: the record is that person's. Not repaired onto a neighbour, not matched by name.
    owned = (
        persons.filter(pl.col("nik").is_not_null()).join(exact.select("rid"), on="rid", how="anti")
        .join(unlisted.filter(pl.col("nik").is_not_null()).select("nik").unique(), on="nik", how="semi")
        .select("rid", owned=pl.lit(True))
    )
    # the agreeing exact hits of records not held for a twin: NIK links, and what the NIK-linked
    # records tell of holders living elsewhere (`_elsewhere_share`)
    agreeing = exact.filter("agrees").join(twins.select("rid"), on="rid", how="anti")
    exact_ok = agreeing.group_by("rid").agg(pl.col("pid").first())
    # A record that names nobody cannot confirm its registry NIK, nor contradict it: the NIK's
    # person is its candidate (doubtful evidence: a review, never an exclusion), not a conflict.
    nameless = persons.filter(pl.col("key").is_null()).select("rid")
    unnamed = (
        exact.join(nameless, on="rid", how="semi").group_by("rid").agg(pl.col("pid").first())
        .join(reg.select("pid", u_nik="nik"), on="pid").select("rid", "u_nik")
    )
    # Records held on their NIK, not linked: `AMBIGUOUS` with these candidates and this note.
    held = pl.concat([
        unnamed.select("rid", h_cands=pl.concat_list("u_nik"), h_note=pl.lit(NAME_MISSING)),
        twins.select("rid", h_cands="t_cands", h_note=pl.lit(NIK_TWIN)),
    ])
    conflict = exact.filter(~pl.col("agrees")).join(nameless, on="rid", how="anti").select("rid").unique(
    ).with_columns(conflict=pl.lit(True))
    rep_ok = _sole_repair(repaired.join(exact_ok, on="rid", how="anti").join(owned, on="rid", how="anti"))
    places = _unlisted_places(unlisted, reg)
    rep_ok = rep_ok.join(_repair_in_doubt(rep_ok, persons, reg, places), on="rid", how="anti")
    nik_links = pl.concat([
        exact_ok.with_columns(method=pl.lit(NIK_EXACT)),
        rep_ok.with_columns(method=pl.lit(NIK_REPAIRED)),
    ]).join(reg.select("pid", "nik", "no_kk"), on="pid").select(
        "rid", l_nik="nik", l_kk="no_kk", l_method="method"
    )
    to_name = persons.join(nik_links.select("rid"), on="rid", how="anti").join(
        owned, on="rid", how="anti").join(twins.select("rid"), on="rid", how="anti").filter(
        pl.col("in_scope") & pl.col("key").is_not_null()
    ).join(conflict, on="rid", how="left").with_columns(
        nik_check=pl.when(pl.col("conflict").is_null()).then(pl.col("nik"))
    ).drop("conflict")
    # Records in scope whose valid NIK is nobody's in the registry (no exact hit, no repair).
    # Land only: a vehicle record carries its owner's RT/RW, checked by the score, and its main
    # unknown NIK is a previous owner who left, not a holder living elsewhere.
    unknown = persons.filter(
        pl.col("nik").is_not_null() & pl.col("in_scope") & (pl.col("source") == "tanah")
    ).select("rid").join(
        exact.select("rid"), on="rid", how="anti").join(rep_ok.select("rid"), on="rid", how="anti")
    elsewhere = _elsewhere_share(
        persons.filter(pl.col("in_scope")), agreeing, reg, unknown,
    )
    names = _name_links(to_name, reg, idf, accept, review, margin, elsewhere, spent, unlisted, places)

    out = (
        recs.select("rid", "source", "row_number", "record_id", "npwp", "in_scope")
        .join(nik_links, on="rid", how="left")
        .join(conflict, on="rid", how="left")
        .join(owned.select("rid", "owned"), on="rid", how="left")
        .join(held, on="rid", how="left")
        .join(names, on="rid", how="left")
    )
    outcome = pl.col("outcome")
    is_company = pl.col("npwp").is_not_null()
    by_nik = pl.col("l_method").is_not_null()
    out_scope = ~pl.col("in_scope") & ~by_nik
    linked_by_name = outcome.is_in(["ACCEPT", "CANDIDATE"])
    is_owned = pl.col("owned").fill_null(False)
    # (a held record has neither a NIK link nor an owner whose row was rejected)
    is_held = pl.col("h_note").is_not_null()
    method = (
        pl.when(is_company).then(pl.lit(UNLINKED))
        .when(is_held).then(pl.lit(AMBIGUOUS))
        .when(by_nik).then(pl.col("l_method"))
        .when(is_owned).then(pl.lit(UNLINKED))
        .when(out_scope).then(pl.lit(UNLINKED))
        .when(linked_by_name).then(pl.lit(NAME_MATCH))
        .when(outcome == "AMBIGUOUS").then(pl.lit(AMBIGUOUS))
        .otherwise(pl.lit(UNLINKED))
    )
    conflict_note = pl.col("conflict").fill_null(False)
    note = (
        pl.when(is_company).then(pl.lit(COMPANY_NPWP))
        .when(is_held).then(pl.col("h_note"))
        .when(is_owned).then(pl.lit(OWNER_ROW_REJECTED))
        .when(out_scope).then(pl.lit(OUT_OF_SCOPE))
        .when(conflict_note).then(pl.lit(NIK_NAME_CONFLICT))
        .when(by_nik).then(pl.lit(None, dtype=pl.String))
        .when((outcome == "AMBIGUOUS") & pl.col("unlisted").fill_null(False)).then(pl.lit(NAMESAKE_UNLISTED))
        .when((outcome == "AMBIGUOUS") & pl.col("held").fill_null(False)).then(pl.lit(NAMESAKE_ELSEWHERE))
        .when(linked_by_name | (outcome == "AMBIGUOUS")).then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.lit(NO_CANDIDATE))
    )
    return out.with_columns(method=method, note=note).select(
        "rid", "source", "row_number", "record_id",
        nik=pl.when(pl.col("method").is_in([NIK_EXACT, NIK_REPAIRED])).then(pl.col("l_nik"))
        .when(pl.col("method") == NAME_MATCH).then(pl.col("best_nik")),
        no_kk=pl.when(pl.col("method").is_in([NIK_EXACT, NIK_REPAIRED])).then(pl.col("l_kk"))
        .when(pl.col("method") == NAME_MATCH).then(pl.col("best_kk")),
        method="method",
        score=pl.when(pl.col("method").is_in([NIK_EXACT, NIK_REPAIRED])).then(1.0)
        .when(pl.col("method").is_in([NAME_MATCH, AMBIGUOUS])).then(pl.col("best")),
        note="note",
        candidates=pl.when(is_held).then(pl.col("h_cands"))
        .when(pl.col("method") == AMBIGUOUS).then(pl.col("close"))
        .when((pl.col("method") == NAME_MATCH) & (outcome == "CANDIDATE"))
        .then(pl.concat_list(pl.col("best_nik"))),
    ).sort("rid").drop("rid")


# --- housing --------------------------------------------------------------------------------------
def _link_housing(
    rumah: pl.DataFrame, reg: pl.DataFrame, idf: pl.DataFrame, accept: float, review: float, margin: float
) -> pl.DataFrame:
    """Housing rows: by NO_KK, the head checked among its members; else by the head's NIK."""
    rows = rumah.select(
        source=pl.lit("rumah"),
        row_number=pl.col("ROW_NUMBER").cast(pl.Int64),
        record_id=pl.col("NO_KK").cast(pl.String),
        nik=_col(rumah, "NIK_KEPALA"),
        nik_raw=_col(rumah, "NIK_KEPALA_RAW"),
        name=_col(rumah, "NAMA_KEPALA"),
        village=_col(rumah, "KODE_WILAYAH"),
    ).with_row_index("rid").with_columns(
        r_rt=pl.lit(None, dtype=pl.String), r_rw=pl.lit(None, dtype=pl.String),
        r_addr=pl.lit(None, dtype=pl.String),
    )
    rows = _with_key(rows, "name")
    kks = reg.select(pl.col("no_kk").unique())
    rows = rows.with_columns(kk_found=pl.col("record_id").is_in(kks["no_kk"].implode()))
    exact, repaired, _, _ = _nik_candidates(rows, reg, idf, review, accept, "rumah", seek_twins=False)
    member = reg.select("pid", p_kk="no_kk", p_nik="nik")
    kk_of = rows.select("rid", "record_id")

    def in_kk(df: pl.DataFrame) -> pl.DataFrame:
        return df.join(member, on="pid").join(kk_of, on="rid").filter(
            pl.col("p_kk") == pl.col("record_id")
        )

    # Household found by NO_KK: identify the head among its members (membership, not the
    # village, tells a repaired head apart).
    head_exact = in_kk(exact.filter("agrees")).group_by("rid").agg(h_nik=pl.col("p_nik").first())
    # a row naming no head, whose head NIK is a member's: the NIK names a member; nothing conflicts
    head_unnamed = in_kk(exact.join(rows.filter(pl.col("key").is_null()).select("rid"), on="rid", how="semi")
                         ).group_by("rid").agg(h_nik=pl.col("p_nik").first())
    head_rep = (
        in_kk(repaired).group_by("rid").agg(h_nik=pl.col("p_nik").first(), n=pl.len())
        .filter(pl.col("n") == 1).drop("n").join(head_unnamed.select("rid"), on="rid", how="anti")
    )
    pending = rows.filter(pl.col("kk_found") & pl.col("key").is_not_null()).join(
        pl.concat([head_exact.select("rid"), head_rep.select("rid")]), on="rid", how="anti"
    )
    by_name_pairs = pending.select("rid", no_kk="record_id").join(
        reg.select("pid", "no_kk"), on="no_kk"
    )
    by_name = _decide(
        _score_pairs(by_name_pairs, rows, reg, idf, "rumah/head_name"), 1.0, review, margin
    )
    # Two members with the head's name (a father and his son): the head is a member either way;
    # the better-scoring one (then the lower NIK) is named.
    head_name = by_name.filter(pl.col("outcome") != "NONE").select(
        "rid", h_nik="best_nik"
    )
    heads = pl.concat([
        head_exact.with_columns(h_note=pl.lit(None, dtype=pl.String)),
        head_unnamed.with_columns(h_note=pl.lit(NAME_MISSING)),
        head_rep.with_columns(h_note=pl.lit(HEAD_NIK_REPAIRED)),
        head_name.with_columns(h_note=pl.lit(HEAD_BY_NAME)),
    ])

    # NO_KK not in the registry: the head's NIK (exact, else repaired) finds the household.
    fb_exact = exact.filter("agrees").group_by("rid").agg(pl.col("pid").first())
    fb_rep = _sole_repair(repaired.join(fb_exact, on="rid", how="anti"))
    fallback = pl.concat([
        fb_exact.with_columns(f_method=pl.lit(NIK_EXACT)),
        fb_rep.with_columns(f_method=pl.lit(NIK_REPAIRED)),
    ]).join(reg.select("pid", f_nik="nik", f_kk="no_kk"), on="pid").drop("pid")

    out = rows.select("rid", "source", "row_number", "record_id", "kk_found").join(
        heads, on="rid", how="left"
    ).join(fallback, on="rid", how="left")
    kk = pl.col("kk_found")
    fb = pl.col("f_method").is_not_null()
    return out.select(
        "rid", "source", "row_number", "record_id",
        nik=pl.when(kk).then(pl.col("h_nik")).when(fb).then(pl.col("f_nik")),
        no_kk=pl.when(kk).then(pl.col("record_id")).when(fb).then(pl.col("f_kk")),
        method=pl.when(kk).then(pl.lit(NIK_EXACT)).when(fb).then(pl.col("f_method"))
        .otherwise(pl.lit(UNLINKED)),
        score=pl.when(kk | fb).then(1.0),
        note=pl.when(kk & pl.col("h_nik").is_null()).then(pl.lit(HEAD_NOT_MEMBER))
        .when(kk).then(pl.col("h_note"))
        .otherwise(pl.lit(NO_KK_NOT_FOUND)),
        candidates=pl.lit(None, dtype=pl.List(pl.String)),
    ).sort("rid").drop("rid")


# --- entry point ----------------------------------------------------------------------------------
def link_assets(
    penduduk: pl.DataFrame,
    tanah: pl.DataFrame,
    kendaraan: pl.DataFrame,
    rumah: pl.DataFrame,
    *,
    accept: float = 0.92,
    review: float = 0.80,
    margin: float = 0.05,
    holder_min_age: int = 18,
    unlisted: pl.DataFrame | None = None,
    stats: dict | None = None,
) -> pl.DataFrame:
    """The `asset_links` frame: one row per `tanah`, `kendaraan` and `rumah` row, in that order.

    Columns (ASSET_LINKS_SCHEMA): source, row_number, record_id, nik, no_kk, method, score, note,
    candidates. `accept`, `review` and `margin` are the policy's name thresholds; a NIK's name
    "agrees" with the registry name when its name score reaches `review`. `holder_min_age`: a
    person younger than this on a land certificate's TGL_TERBIT is not a name candidate for it
    (0: no such rule). `unlisted`: the persons of rejected registry rows (validation's
    `Validated.unlisted`: NIK, NAMA_LGKP, KODE_WILAYAH, TGL_LHR, NO_RT, NO_RW), counted among the
    namesakes of a land record's candidate and of a vehicle record's at its RT and RW, and owning a
    record that carries their valid NIK (`UNLINKED`,
    `OWNER_ROW_REJECTED`), never linked (none given: nobody's row was rejected).

    `stats`, when given, receives `pairs`: the candidate pairs scored, one row per record and
    stage (`part` `assets` or `rumah`, `rid` the record's index within its part, `stage`, `n`).
    """
    if stats is None:
        return _link_assets(penduduk, tanah, kendaraan, rumah, accept, review, margin, holder_min_age, unlisted)
    log: list = []
    token = _PAIR_LOG.set(log)
    try:
        links = _link_assets(penduduk, tanah, kendaraan, rumah, accept, review, margin, holder_min_age, unlisted)
    finally:
        _PAIR_LOG.reset(token)
    empty = pl.DataFrame(schema={"rid": pl.UInt32, "len": pl.UInt32, "stage": pl.String})
    pairs = pl.concat([f.cast({"rid": pl.UInt32, "len": pl.UInt32}) for f in log] or [empty])
    stats["pairs"] = pairs.select(
        part=pl.col("stage").str.split("/").list.get(0), rid="rid",
        stage=pl.col("stage").str.split("/").list.get(1), n="len",
    )
    return links


def _link_assets(
    penduduk: pl.DataFrame, tanah: pl.DataFrame, kendaraan: pl.DataFrame, rumah: pl.DataFrame,
    accept: float, review: float, margin: float, holder_min_age: int, unlisted: pl.DataFrame | None,
) -> pl.DataFrame:
    if not (0.0 <= review <= accept <= 1.0) or margin < 0:
        raise ValueError("thresholds must satisfy 0 <= review <= accept <= 1 and margin >= 0")
    if holder_min_age < 0:
        raise ValueError("holder_min_age must be >= 0")
    reg = _registry(penduduk)
    idf = _token_idf(reg)
    recs = _asset_records(tanah, kendaraan, holder_min_age)
    # Housing rows do not depend on the land and vehicle records: linked beside them, in a thread.
    assets, housing = in_threads(lambda link: link(), [
        lambda: _link_asset_records(recs, reg, idf, accept, review, margin, _unlisted(unlisted)),
        lambda: _link_housing(rumah, reg, idf, accept, review, margin),
    ], workers=2)
    return pl.concat([assets, housing]).select(
        [pl.col(c).cast(t) for c, t in ASSET_LINKS_SCHEMA.items()]
    )
