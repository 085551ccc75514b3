"""Planting the dirt of docs/dirt.md into clean string frames, and logging it as truth."""

from __future__ import annotations

import numpy as np
import polars as pl

from schemas import codes, rules

UNKNOWN_PROVINCES = ["10", "20", "22", "30", "37", "40", "50", "54", "60", "66", "70", "77", "80", "83",
                     "90", "97", "99"]
UNKNOWN_LABELS = {
    "JENIS_KLMIN": ["L", "P", "PRIA", "WANITA"],
    "STAT_HBKEL": ["ISTERI", "KK", "ANAK ANGKAT"],
    "STAT_KWN": ["KAWIN TERCATAT", "KAWIN BELUM TERCATAT", "JANDA"],
    "PDDK_AKH": ["SMA", "SD", "S1"],
    "JENIS_PKRJN": ["PETANI", "SWASTA", "IRT", "PENGUSAHA"],
    "STATUS": ["MENINGGAL", "PINDAH KELUAR"],
    "JENIS_HAK": ["SHM", "GIRIK", "PETOK D"],
    "PENGGUNAAN": ["INDUSTRI", "TAMBAK", "SAWAH TADAH HUJAN"],
    "JENIS_KENDARAAN": ["TRUK", "PICK UP", "SEPEDA"],
    "STATUS_BANGUNAN": ["SEWA", "MILIK ORANG TUA"],
    "LANTAI": ["BETON", "PLESTER"],
    "DINDING": ["BATAKO", "GRC"],
    "ATAP": ["GENTING", "SIRAP"],
    "SUMBER_AIR_MINUM": ["PDAM", "SUMUR"],
    "FASILITAS_BAB": ["JAMBAN SENDIRI", "WC"],
    "PENERANGAN": ["LISTRIK PLN", "PLN"],
    "BAHAN_BAKAR_MASAK": ["ELPIJI 3 KG", "LPG 3 KG", "KAYU"],
}

NIK_DIRT = {  # dirt kind -> quarantine rule
    "NIK_SCIENTIFIC": rules.NIK_SCIENTIFIC,
    "NIK_LENGTH": rules.NIK_LENGTH,
    "NIK_LETTERS": rules.NIK_NOT_DIGITS,
    "NIK_BAD_DATE": rules.NIK_BAD_DATE,
    "NIK_SERIAL_ZERO": rules.NIK_SERIAL_ZERO,
    "NIK_UNKNOWN_PROVINCE": rules.NIK_UNKNOWN_PROVINCE,
}


def _frame(s: pl.Series, rng: np.random.Generator, k: int = 3) -> pl.DataFrame:
    return pl.DataFrame({"s": s, **{f"r{i}": rng.random(len(s)) for i in range(k)}})


def _sel(df: pl.DataFrame, expr: pl.Expr) -> pl.Series:
    return df.select(expr.alias("s")).to_series()


S, R0, R1 = pl.col("s"), pl.col("r0"), pl.col("r1")


def nik_formatting(s: pl.Series, rng) -> pl.Series:
    spaced = pl.concat_str([S.str.slice(0, 4), S.str.slice(4, 4), S.str.slice(8, 4), S.str.slice(12)], separator=" ")
    dotted = pl.concat_str([S.str.slice(0, 2), S.str.slice(2, 2), S.str.slice(4, 2), S.str.slice(6, 6), S.str.slice(12)],
                           separator=".")
    return _sel(_frame(s, rng), pl.when(R0 < 0.3).then(spaced).when(R0 < 0.5).then(dotted)
                .when(R0 < 0.8).then(pl.lit("'") + S).otherwise(pl.lit(" ") + S + pl.lit("  ")))


def nik_scientific(s: pl.Series, rng) -> pl.Series:
    mant = S.str.slice(1, 5).str.strip_chars_end("0")
    return _sel(_frame(s, rng), pl.when(mant.str.len_chars() > 0).then(S.str.slice(0, 1) + "." + mant + "E+15")
                .otherwise(S.str.slice(0, 1) + "E+15"))


def nik_length(s: pl.Series, rng, allow_short: bool = True) -> pl.Series:
    df = _frame(s, rng).with_columns(p=(pl.col("r1") * 10).cast(pl.Int64) + 5,
                                     d=(pl.col("r2") * 10).cast(pl.Int64).cast(pl.String))
    p = pl.col("p")
    short = S.str.slice(0, p) + S.str.slice(p + 1)
    long = S.str.slice(0, p) + pl.col("d") + S.str.slice(p)
    return _sel(df, pl.when((R0 < 0.5) & pl.lit(allow_short)).then(short).otherwise(long))


def nik_letters(s: pl.Series, rng) -> pl.Series:
    tail = S.str.slice(0, 6) + S.str.slice(6).str.replace("0", "O", literal=True)
    tail1 = S.str.slice(0, 6) + S.str.slice(6).str.replace("1", "l", literal=True)
    first = pl.when(R0 < 0.5).then(tail).otherwise(tail1)
    alt = pl.when(R0 < 0.5).then(tail1).otherwise(tail)
    whole = S.str.replace("0", "O", literal=True)
    return _sel(_frame(s, rng), pl.when(first != S).then(first).when(alt != S).then(alt)
                .when(whole != S).then(whole).otherwise(S.str.slice(0, 5) + "O" + S.str.slice(6)))


def nik_bad_date(s: pl.Series, rng) -> pl.Series:
    return _sel(_frame(s, rng), pl.when(R0 < 0.3).then(S.str.slice(0, 6) + "00" + S.str.slice(8))
                .when(R0 < 0.55).then(S.str.slice(0, 8) + "00" + S.str.slice(10))
                .when(R0 < 0.8).then(S.str.slice(0, 8) + "13" + S.str.slice(10))
                .otherwise(S.str.slice(0, 6) + "3" + pl.lit("5") + S.str.slice(8)))


def nik_serial_zero(s: pl.Series, rng) -> pl.Series:
    return _sel(_frame(s, rng), S.str.slice(0, 12) + "0000")


def nik_unknown_province(s: pl.Series, rng) -> pl.Series:
    prov = pl.Series(UNKNOWN_PROVINCES).gather(rng.integers(0, len(UNKNOWN_PROVINCES), len(s)))
    return prov + s.str.slice(2)


NIK_FUNCS = {
    "NIK_SCIENTIFIC": nik_scientific, "NIK_LENGTH": nik_length, "NIK_LETTERS": nik_letters,
    "NIK_BAD_DATE": nik_bad_date, "NIK_SERIAL_ZERO": nik_serial_zero,
    "NIK_UNKNOWN_PROVINCE": nik_unknown_province,
}

_PROV = np.array(sorted(int(p) for p in codes.PROVINCE_CODES))
_POW = 10 ** np.arange(15, -1, -1, dtype=np.int64)


def digits(nik: np.ndarray) -> np.ndarray:
    return (nik[:, None] // _POW[None, :]) % 10


def undigits(d: np.ndarray) -> np.ndarray:
    return (d * _POW[None, :]).sum(axis=1)


def nik_valid(nik: np.ndarray) -> np.ndarray:
    d = digits(nik)
    prov = d[:, 0] * 10 + d[:, 1]
    day = d[:, 6] * 10 + d[:, 7]
    day = np.where(day > 40, day - 40, day)
    mon = d[:, 8] * 10 + d[:, 9]
    ser = d[:, 12:].dot(np.array([1000, 100, 10, 1]))
    return np.isin(prov, _PROV) & (day >= 1) & (day <= 31) & (mon >= 1) & (mon <= 12) & (ser > 0) & (nik >= 10**15)


def nik_typos(rng: np.random.Generator, nik: np.ndarray, registry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One substituted digit or one swap of neighbours (positions 5-16), structurally valid and
    not itself a registry NIK. Returns the typo'd NIKs and which rows got one."""
    out = nik.copy()
    ok = np.zeros(len(nik), bool)
    reg = np.sort(registry)

    def in_registry(x: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(reg, x), 0, len(reg) - 1)
        return reg[pos] == x

    for _ in range(8):
        todo = np.nonzero(~ok)[0]
        if not len(todo):
            break
        d = digits(nik[todo])
        k = len(todo)
        swap = rng.random(k) < 0.35
        p = rng.integers(4, 15, k)
        rows = np.arange(k)
        new = d.copy()
        a, b = d[rows, p], d[rows, p + 1]
        new[rows, p] = np.where(swap, b, new[rows, p])
        new[rows, p + 1] = np.where(swap, a, new[rows, p + 1])
        q = rng.integers(4, 16, k)
        new[rows, q] = np.where(swap, new[rows, q], (d[rows, q] + rng.integers(1, 10, k)) % 10)
        cand = undigits(new)
        good = (cand != nik[todo]) & nik_valid(cand) & ~in_registry(cand)
        out[todo[good]] = cand[good]
        ok[todo[good]] = True
    return out, ok


def one_edit_neighbours(nik: np.ndarray) -> np.ndarray:
    """All NIKs one substitution or one neighbour swap away: shape (n, 16*9 + 15)."""
    d = digits(nik)
    outs = []
    for p in range(16):
        for v in range(1, 10):
            e = d.copy()
            e[:, p] = (e[:, p] + v) % 10
            outs.append(undigits(e))
    for p in range(15):
        e = d.copy()
        e[:, [p, p + 1]] = e[:, [p + 1, p]]
        outs.append(undigits(e))
    return np.stack(outs, axis=1)


def date_format(s: pl.Series, rng) -> pl.Series:
    sep = pl.when(R0 < 0.5).then(pl.lit("-")).otherwise(pl.lit("/"))
    return _sel(_frame(s, rng), S.str.slice(8, 2) + sep + S.str.slice(5, 2) + sep + S.str.slice(0, 4))


def date_impossible(s: pl.Series, rng) -> pl.Series:
    day = S.str.slice(8, 2)
    swapped = S.str.slice(0, 5) + day + "-" + S.str.slice(5, 2)  # YYYY-DD-MM with DD > 12
    feb = pl.when(R1 < 0.5).then(pl.lit("30-02-")).otherwise(pl.lit("31-02-")) + S.str.slice(0, 4)
    apr = S.str.slice(0, 4) + pl.when(R1 < 0.5).then(pl.lit("-04-31")).otherwise(pl.lit("-09-31"))
    return _sel(_frame(s, rng), pl.when((day.cast(pl.Int32) > 12) & (R0 < 0.5)).then(swapped)
                .when(R0 < 0.75).then(feb).otherwise(apr))


def thousands(v: pl.Expr) -> pl.Expr:
    """12500000 -> 12.500.000 (Indonesian thousands separator)."""
    g = [(v // 10**9), (v // 10**6) % 1000, (v // 1000) % 1000, v % 1000]
    z = [x.cast(pl.String).str.zfill(3) for x in g]
    return (pl.when(v >= 10**9).then(g[0].cast(pl.String) + "." + z[1] + "." + z[2] + "." + z[3])
            .when(v >= 10**6).then(g[1].cast(pl.String) + "." + z[2] + "." + z[3])
            .when(v >= 1000).then(g[2].cast(pl.String) + "." + z[3])
            .otherwise(v.cast(pl.String)))


def number_separators(s: pl.Series, rng, decimals: bool) -> pl.Series:
    v = S.cast(pl.Int64)
    t = thousands(v)
    return _sel(_frame(s, rng), pl.when(pl.lit(decimals) & ((R0 < 0.5) | (v < 1000))).then(t + ",0").otherwise(t))


def not_positive(s: pl.Series, rng) -> pl.Series:
    return _sel(_frame(s, rng), pl.when(R0 < 0.5).then(pl.lit("0")).otherwise(pl.lit("-") + S))


def label_case_spaces(s: pl.Series, rng) -> pl.Series:
    multi = S.str.contains(" ", literal=True)
    return _sel(_frame(s, rng), pl.when(R0 < 0.3).then(S.str.to_lowercase())
                .when(R0 < 0.5).then(S.str.to_titlecase())
                .when((R0 < 0.75) & multi).then(S.str.to_titlecase().str.replace(" ", "  ", literal=True))
                .otherwise(pl.lit(" ") + S + pl.lit(" ")))


def label_unknown(column: str, n: int, rng) -> pl.Series:
    pool = UNKNOWN_LABELS[column]
    return pl.Series(pool).gather(rng.integers(0, len(pool), n))


class Planter:
    """Chooses rows for each kind of dirt (at most one quarantine-producing kind per row, at most
    one kind per cell), applies it, and logs it against the row's `_rid`."""

    def __init__(self, rng: np.random.Generator, source: str, df: pl.DataFrame):
        self.rng, self.source, self.df = rng, source, df
        self.n = df.height
        self.used = np.zeros(self.n, bool)
        self.touched: dict[str, np.ndarray] = {}
        self.log: list[pl.DataFrame] = []

    def _t(self, column: str) -> np.ndarray:
        return self.touched.setdefault(column, np.zeros(self.n, bool))

    def reserve(self, idx: np.ndarray) -> None:
        """Rows that must stay free of any further dirt."""
        self.used[idx] = True
        for c in self.df.columns:
            self._t(c)[idx] = True

    def rows(self, eligible: np.ndarray | None, rate: float, columns: list[str], quarantine: bool,
             minimum: int = 1) -> np.ndarray:
        mask = np.ones(self.n, bool) if eligible is None else eligible.copy()
        for c in columns:
            mask &= ~self._t(c)
        if quarantine:
            mask &= ~self.used
        pool = np.nonzero(mask)[0]
        k = min(len(pool), max(minimum, int(round(rate * self.n))))
        if k == 0:
            return pool[:0]
        idx = np.sort(self.rng.choice(pool, size=k, replace=False))
        for c in columns:
            self._t(c)[idx] = True
        if quarantine:
            self.used[idx] = True
        return idx

    def col(self, column: str, idx: np.ndarray | None = None) -> pl.Series:
        s = self.df[column]
        return s if idx is None else s.gather(idx)

    def set(self, column: str, idx: np.ndarray, values: pl.Series) -> None:
        if len(idx):
            self.df = self.df.with_columns(self.df[column].scatter(idx, values.cast(pl.String)))

    def record(self, idx: np.ndarray, column: str, dirt: str, rule: str = "", action: str = "") -> None:
        if len(idx):
            self.log.append(pl.DataFrame({
                "_rid": self.df["_rid"].gather(idx), "column": [column] * len(idx), "dirt": [dirt] * len(idx),
                "rule": [rule] * len(idx), "action": [action] * len(idx)}))

    def plant(self, dirt: str, column: str, rate: float, fn, eligible: np.ndarray | None = None,
              rule: str = "", action: str = "", minimum: int = 1, record_column: str | None = None) -> np.ndarray:
        idx = self.rows(eligible, rate, [column], quarantine=bool(rule), minimum=minimum)
        if len(idx):
            self.set(column, idx, fn(self.col(column, idx)))
            self.record(idx, record_column or column, dirt, rule, action)
        return idx

    def logged(self) -> pl.DataFrame:
        if not self.log:
            return pl.DataFrame(schema={"_rid": pl.Int64, "column": pl.String, "dirt": pl.String,
                                        "rule": pl.String, "action": pl.String})
        return pl.concat(self.log).with_columns(pl.col("_rid").cast(pl.Int64))
