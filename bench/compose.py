"""A set larger than one regency, put together from generated regencies.

The generator builds one regency (Banyuwangi's 25 districts) in memory, at about 2 GB per million
persons. A province-sized set is several regencies side by side: `compose` generates each part
with its own seed, in a child process so that its memory is returned, and delivers it as its own
synthetic regency of province 35:

- every `35.10` region code becomes `35.NN` (NN = 90, 91, ...), in KODE_WILAYAH and in the
  reference (the regency keeps Banyuwangi's name and districts);
- every NIK-shaped value (NIK, NO_KK, NIK_PEMEGANG, NIK_PEMILIK, NIK_KEPALA) whose first four
  digits are `3510`, however it is written (blanks, dots, a leading `'`, scientific notation),
  gets `35NN`: persons of different parts never share a NIK or a family card;
- NIB (14 digits) gets the part's own two leading digits, and plates another region's letter.

NIKs planted with an unknown province or as a company's NPWP keep their value, so two parts may
share one; those rows are rejected or unlinked as in any set. Namesakes per village stay those of
one regency, as they would in a province. Only the extracts and `load.json` are written (no
`truth/`): the set is for measuring loads, not accuracy. Never run as a test.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
PART_PERSONS = 1_700_000  # Banyuwangi's population: one part is one regency of that size
FIRST_CODE = 90
PLATE_LETTERS = ("N", "L", "W", "S", "AG", "AE", "M", "K", "AD", "AB", "R", "G")
NIK_COLUMNS = {
    "penduduk": ("NIK", "NO_KK"),
    "tanah": ("NIK_PEMEGANG",),
    "kendaraan": ("NIK_PEMILIK",),
    "rumah": ("NO_KK", "NIK_KEPALA"),
}
EXTRACTS = ("penduduk", "tanah", "kendaraan", "rumah")


def parts_of(persons: int) -> list[int]:
    """Persons per part: as few parts as keep each at most PART_PERSONS, sizes within one."""
    k = max(1, math.ceil(persons / PART_PERSONS))
    return [persons // k + (1 if i < persons % k else 0) for i in range(k)]


def _relabel(df: pl.DataFrame, name: str, code: str, i: int) -> pl.DataFrame:
    """One part's extract `name` (all columns text) as regency 35.`code`."""
    a, b = code
    out = [pl.col("KODE_WILAYAH").str.replace(r"^35\.10\.", f"35.{code}.")]
    for c in NIK_COLUMNS.get(name, ()):
        # 3, 5, 1, 0 with anything but digits between them, at the start of the value
        out.append(pl.col(c).str.replace(r"^([^0-9]*3[^0-9]*5[^0-9]*)1([^0-9]*)0", f"${{1}}{a}${{2}}{b}"))
    if name == "tanah":
        out.append(pl.when(pl.col("NIB").str.contains(r"^[0-9]{14}$"))
                   .then(pl.lit(f"{10 + i:02d}") + pl.col("NIB").str.slice(2)).otherwise(pl.col("NIB")).alias("NIB"))
    if name == "kendaraan":
        out.append(pl.col("NO_POLISI").str.replace(r"^P ", PLATE_LETTERS[i % len(PLATE_LETTERS)] + " "))
    return df.with_columns(out)


def compose(persons: int, seed: int, extracts: Path, load_date: str = "2026-11-01") -> None:
    """Write a set of `persons` persons into `extracts` (penduduk, tanah, kendaraan, rumah,
    wilayah .csv and load.json), from `parts_of(persons)` generated regencies."""
    extracts.mkdir(parents=True, exist_ok=True)
    work = extracts.parent / "parts"
    codes, refs = [], []
    files = {name: open(extracts / f"{name}.csv", "wb") for name in EXTRACTS}
    try:
        for i, n in enumerate(parts_of(persons)):
            code = f"{FIRST_CODE + i:02d}"
            part = work / f"part{i}"
            shutil.rmtree(part, ignore_errors=True)
            r = subprocess.run([sys.executable, "-m", "synth", "--persons", str(n), "--seed", str(seed + i),
                                "--out", str(part), "--load-date", load_date],
                               cwd=ROOT, stdout=subprocess.DEVNULL)
            if r.returncode != 0:
                raise SystemExit(f"generating part {i} ({n:,} persons) failed (exit {r.returncode})")
            for name in EXTRACTS:
                df = _relabel(pl.read_csv(part / f"{name}.csv", infer_schema=False), name, code, i)
                if i == 0 and name == "rumah":
                    files[name].write(b"\xef\xbb\xbf")  # as the survey is delivered
                df.write_csv(files[name], include_header=i == 0)
            ref = pl.read_csv(part / "wilayah.csv", infer_schema=False)
            ref = ref.with_columns(pl.col("KODE").str.replace(r"^35\.10(\.|$)", f"35.{code}$1"))
            refs.append(ref if i == 0 else ref.filter(pl.col("KODE").str.starts_with(f"35.{code}")))
            codes.append(f"35.{code}")
            shutil.rmtree(part)
    finally:
        for fh in files.values():
            fh.close()
    shutil.rmtree(work, ignore_errors=True)
    # the reference: the provinces of the first part, and every part's regency, districts, villages
    pl.concat(refs).unique("KODE", keep="first").sort("KODE").write_csv(extracts / "wilayah.csv")
    (extracts / "load.json").write_text(json.dumps({"load_date": load_date, "scope": "+".join(codes)}) + "\n")
