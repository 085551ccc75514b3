"""NIK repair candidates: every NIK one substituted digit or one swap of neighbours away.

A NIK typed with one wrong digit, or with two neighbouring digits swapped, is often still valid
in structure (nothing but the registry can tell it from a real one), or it breaks a structural
rule and arrives as the cleaned text in `NIK_..._RAW`. Both are repaired the same way: generate
the 16×9 substitutions and 15 swaps of the 16-character text and join them with the registry.

The variants are computed in integer arithmetic (a NIK has 16 digits, which fits in Int64), so
generating and joining tens of millions of them stays fast: substituting digit `d` for the digit
`a` at power `10^k` adds `(d - a)·10^k`; swapping the digits at `10^k` and `10^(k+1)` adds
`(b - a)·10^k + (a - b)·10^(k+1)`. A letter typed for a digit (`O` for `0`) is one substitution
too: such a text (exactly one non-digit among 16 characters) yields the ten digits at that place.
"""

from __future__ import annotations

import polars as pl

NIK_LENGTH = 16


def nik_to_int(e: pl.Expr) -> pl.Expr:
    """A 16-digit NIK text as Int64 (null for anything else)."""
    return (
        pl.when(e.str.contains(r"^[0-9]{16}$")).then(e.cast(pl.Int64, strict=False)).otherwise(None)
    )


def int_to_nik(e: pl.Expr) -> pl.Expr:
    """Back from Int64 to the 16-digit text."""
    return e.cast(pl.String).str.zfill(NIK_LENGTH)


def one_typing_error(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Whether two NIKs (Int64, see `nik_to_int`) are the same or one typing error apart: one
    substituted digit, or one swap of neighbouring digits. Null where either is null."""
    da = [(a // 10**k) % 10 for k in range(NIK_LENGTH)]
    db = [(b // 10**k) % 10 for k in range(NIK_LENGTH)]
    differ = [x != y for x, y in zip(da, db)]
    n_differ = pl.sum_horizontal(d.cast(pl.Int8) for d in differ)
    swapped = pl.any_horizontal(
        differ[k] & differ[k + 1] & (da[k] == db[k + 1]) & (da[k + 1] == db[k]) for k in range(NIK_LENGTH - 1)
    )
    one = (n_differ <= 1) | ((n_differ == 2) & swapped)
    return pl.when(a.is_not_null() & b.is_not_null()).then(one)


def _variant_frames(digits: pl.DataFrame, id_col: str) -> list[pl.LazyFrame]:
    """One lazy frame per edit (position × digit, or neighbour pair): loops over places only."""
    d = digits.lazy().with_columns(
        [((pl.col("_n") // 10**k) % 10).alias(f"_a{k}") for k in range(NIK_LENGTH)]
    )
    frames: list[pl.LazyFrame] = []
    for k in range(NIK_LENGTH):
        a = pl.col(f"_a{k}")
        for digit in range(10):
            frames.append(
                d.filter(a != digit).select(
                    id_col,
                    variant=pl.col("_n") + (digit - a) * 10**k,
                    edit=pl.lit("SUBSTITUTION"),
                )
            )
    for k in range(NIK_LENGTH - 1):
        a, b = pl.col(f"_a{k}"), pl.col(f"_a{k + 1}")
        frames.append(
            d.filter(a != b).select(
                id_col,
                variant=pl.col("_n") + (b - a) * 10**k + (a - b) * 10 ** (k + 1),
                edit=pl.lit("SWAP"),
            )
        )
    return frames


def _variants_lazy(frame: pl.DataFrame, id_col: str, nik_col: str) -> pl.LazyFrame:
    base = frame.select(pl.col(id_col), pl.col(nik_col).cast(pl.String).alias("_t")).filter(
        pl.col("_t").str.len_chars() == NIK_LENGTH
    )
    digits = base.select(id_col, _n=nik_to_int(pl.col("_t"))).drop_nulls("_n")
    frames = _variant_frames(digits, id_col)
    # One non-digit among 16 characters: the ten digits at its place.
    one_off = (
        base.lazy()
        .filter(pl.col("_t").str.count_matches(r"[^0-9]") == 1)
        .with_columns(
            _pos=pl.col("_t").str.find(r"[^0-9]").cast(pl.Int64),
            _z=pl.col("_t").str.replace(r"[^0-9]", "0").cast(pl.Int64, strict=False),
        )
        .join(pl.LazyFrame({"_d": list(range(10))}, schema={"_d": pl.Int64}), how="cross")
        .select(
            id_col,
            variant=pl.col("_z")
            + pl.col("_d") * pl.lit(10, pl.Int64).pow(NIK_LENGTH - 1 - pl.col("_pos")),
            edit=pl.lit("SUBSTITUTION"),
        )
    )
    return pl.concat([*frames, one_off])


def nik_variants(frame: pl.DataFrame, id_col: str, nik_col: str) -> pl.DataFrame:
    """All NIKs one substituted digit or one neighbour swap away from the text in `nik_col`.

    Texts that are not 16 characters long, or carry more than one non-digit, yield nothing.
    Returns `id_col`, `variant` (Int64: the variant NIK as a number, see `int_to_nik`) and
    `edit` (`SUBSTITUTION` or `SWAP`). The text itself is never among its variants, and each
    variant comes once per id (a substitution and a swap never give the same NIK).
    """
    return _variants_lazy(frame, id_col, nik_col).collect()


def nik_repair_hits(
    frame: pl.DataFrame, id_col: str, nik_col: str, registry_niks: pl.Series
) -> pl.DataFrame:
    """The registry NIKs (String) one edit away from each text: `id_col`, `nik`, `edit`.

    `registry_niks` is the registry's NIK column (16-digit strings). The variants never leave the
    join: only those that are registry NIKs come back.
    """
    reg = (
        pl.DataFrame({"_s": registry_niks.cast(pl.String)})
        .select(variant=nik_to_int(pl.col("_s")))
        .drop_nulls()
        .unique()
        .lazy()
    )
    hits = _variants_lazy(frame, id_col, nik_col).join(reg, on="variant", how="inner")
    return (
        hits.select(id_col, nik=int_to_nik(pl.col("variant")), edit="edit")
        .unique(subset=[id_col, "nik"], keep="first")
        .sort(id_col, "nik")
        .collect()
    )
