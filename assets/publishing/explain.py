"""One household's decision in words, as a district officer shows it to the family.

`explain_household(db_path, no_kk, load_date=None) -> str` reads the published database only
(read-only, so it never blocks a load) and prints, in Indonesian: the household and the load it
comes from, its living members, every score component with its value and points (and their sum),
the decile, the status and programs, and every reason with its evidence and how the evidence was
linked. NIKs are masked as in the district exports (first 6 and last 4 digits shown), wherever
they appear: member rows, the head, evidence identifiers and evidence text; the NO_KK stays whole,
also where it is the evidence of a reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from assets.publishing.exports import NIK_RE
from assets.text import number_text
from schemas.policy import COMPONENTS

COMPONENT_LABELS = {
    "luas_lantai_per_anggota": "Luas lantai per anggota (m²)",
    "lantai": "Jenis lantai",
    "dinding": "Jenis dinding",
    "atap": "Jenis atap",
    "sumber_air_minum": "Sumber air minum",
    "fasilitas_bab": "Fasilitas buang air besar",
    "listrik": "Sumber penerangan / daya",
    "bahan_bakar_masak": "Bahan bakar memasak",
    "status_bangunan": "Status bangunan",
    "pendidikan_kepala": "Pendidikan kepala keluarga",
    "pekerjaan_kepala": "Pekerjaan kepala keluarga",
    "rasio_ketergantungan": "Tanggungan / usia kerja",
    "sepeda_motor": "Sepeda motor (pajak aktif)",
    "mobil": "Mobil (pajak aktif)",
    "nilai_tanah": "Nilai tanah (Rp)",
}
STATUS_TEXT = {
    "ELIGIBLE": "LAYAK menerima bantuan",
    "EXCLUDED": "TIDAK LAYAK menerima bantuan",
    "REVIEW": "PERLU VERIFIKASI LAPANGAN sebelum diputuskan",
}
KIND_TEXT = {"EXCLUSION": "Alasan pengecualian", "REVIEW": "Alasan verifikasi lapangan"}
SOURCE_TEXT = {
    "penduduk": "data kependudukan",
    "tanah": "data pertanahan",
    "kendaraan": "data kendaraan",
    "rumah": "survei rumah",
    "score": "skor kesejahteraan",
}
METHOD_TEXT = {
    "NIK_EXACT": "NIK cocok",
    "NIK_REPAIRED": "NIK diperbaiki (satu digit)",
    "NAME_MATCH": "kecocokan nama",
    "AMBIGUOUS": "pemilik belum dapat dipastikan",
    "UNLINKED": "tidak tertaut",
}


def mask_nik(nik: str | None) -> str:
    """A NIK as the exports show it: `351015******0001`; anything else unchanged ('-' when empty)."""
    if nik and len(nik) == 16 and nik.isdigit():
        return nik[:6] + "******" + nik[12:]
    return nik or "-"


def mask_text(text: str | None) -> str:
    """Every run of 16 digits in a text masked as the exports mask it (`exports.NIK_RE`)."""
    for _ in range(2):
        text = re.sub(NIK_RE, r"\1\2******\3\4", text or "")
    return text


class HouseholdNotFound(ValueError):
    pass


def _load_id(con: duckdb.DuckDBPyConnection, no_kk: str, load_date: str | None) -> str:
    """The newest load (of `load_date`, if given) that holds household `no_kk`; else the newest
    load at all (of that date), for the message that the household is not in it. Loads of several
    scopes may share a date, and the household is in its own regency's."""
    where, params = ("WHERE l.load_date = ?", [load_date]) if load_date else ("", [])
    order = "ORDER BY l.load_date DESC, l.finished_at DESC LIMIT 1"
    row = con.execute(
        f"SELECT l.load_id FROM mart.loads l {where} "
        f"{'AND' if where else 'WHERE'} EXISTS (SELECT 1 FROM mart.households h "
        f"WHERE h.load_id = l.load_id AND h.no_kk = ?) {order}",
        [*params, no_kk],
    ).fetchone()
    if row is None:
        row = con.execute(f"SELECT l.load_id FROM mart.loads l {where} {order}", params).fetchone()
    if row is None:
        raise HouseholdNotFound("no published load" + (f" on {load_date}" if load_date else ""))
    return row[0]


def _not_in_newest(con: duckdb.DuckDBPyConnection, no_kk: str, load_id: str) -> list[str]:
    """When a newer load of the same scope no longer holds household `no_kk` (it dissolved, left the
    registry, or its family got a new card), the lines that say so above an older decision."""
    newest = con.execute(
        "SELECT n.load_id FROM mart.loads l JOIN mart.loads n ON n.scope = l.scope WHERE l.load_id = ? "
        "ORDER BY n.load_date DESC, n.finished_at DESC LIMIT 1",
        [load_id],
    ).fetchone()
    if newest is None or newest[0] == load_id:
        return []
    lines = [f"PERHATIAN: No. KK ini tidak ada di muat data terbaru wilayahnya ({newest[0]}); "
             f"di bawah ini keputusan muat data {load_id}."]
    for kk, change, codes in con.execute(
        "SELECT no_kk, change, reason_codes FROM mart.eligibility_changes WHERE load_id = ? AND previous_no_kk = ? "
        "ORDER BY no_kk",
        [newest[0], no_kk],
    ).fetchall():
        why = f"{change}: {', '.join(codes)}" if codes else change
        lines.append(f"  Di muat data {newest[0]}: " + (why if kk == no_kk else f"keluarga ini kini No. KK {kk} ({why})"))
    return lines + [""]


def explain_household(db_path: Path, no_kk: str, load_date: str | None = None) -> str:
    """The decision of household `no_kk` in the load of `load_date` (default: the latest load that
    holds it, with a notice when a newer load of its scope no longer does)."""
    if not Path(db_path).exists():
        raise HouseholdNotFound(f"no published database at {db_path}")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        load_id = _load_id(con, no_kk, load_date)
        notice = [] if load_date else _not_in_newest(con, no_kk, load_id)
        hh = con.execute(
            "SELECT no_kk, kode_wilayah, head_nik, head_name, members, score, desil, status, programs, policy_version "
            "FROM mart.households WHERE load_id = ? AND no_kk = ?",
            [load_id, no_kk],
        ).fetchone()
        if hh is None:
            raise HouseholdNotFound(f"household not found in load {load_id}")
        members = con.execute(
            "SELECT nik, name, sex, age, relation, occupation FROM mart.members "
            "WHERE load_id = ? AND no_kk = ? ORDER BY relation <> 'KEPALA KELUARGA', age DESC NULLS LAST, nik",
            [load_id, no_kk],
        ).fetchall()
        components = con.execute(
            "SELECT component, value, points FROM mart.score_components WHERE load_id = ? AND no_kk = ?",
            [load_id, no_kk],
        ).fetchall()
        reasons = con.execute(
            "SELECT kind, code, description, evidence_source, evidence_id, evidence, link_method, link_score "
            "FROM mart.household_reasons WHERE load_id = ? AND no_kk = ? "
            "ORDER BY kind, code, evidence_source, evidence_id, evidence",
            [load_id, no_kk],
        ).fetchall()
    finally:
        con.close()
    return "\n".join([*notice, render(load_id, hh, members, components, reasons)])


def _shown_values(values: list) -> list[str]:
    """Component values as the family reads them: numbers written the Indonesian way (`17,5`,
    `236.592.000`), anything else as stored, `-` for none."""
    text = pl.Series("v", [None if v is None else str(v) for v in values], dtype=pl.String)
    shown = pl.select(
        pl.coalesce(number_text(text.cast(pl.Float64, strict=False)), text, pl.lit("-"))
    ).to_series()
    return shown.to_list()


def render(load_id: str, hh: tuple, members: list[tuple], components: list[tuple], reasons: list[tuple]) -> str:
    """The text of `explain_household` from the rows it read (masking happens here)."""
    (kk, wilayah, head_nik, head_name, n_members, score, desil, status, programs, version) = hh
    lines = [
        f"Keluarga (No. KK) {kk}   desa/kelurahan {wilayah or '-'}",
        f"Muat data: {load_id}   versi kebijakan: {version}",
        f"Kepala keluarga: {mask_text(head_name) or '- (tidak ada anggota yang hidup)'}"
        + (f" (NIK {mask_nik(head_nik)})" if head_nik else ""),
        "",
        f"Anggota keluarga yang hidup ({n_members or 0}):",
    ]
    if not members:
        lines.append("  (tidak ada)")
    for nik, name, sex, age, relation, occupation in members:
        lines.append(
            f"  - {mask_text(name) or '-':<28} NIK {mask_nik(nik)}  {sex or '-':<9} {'-' if age is None else age:>3} th  "
            f"{relation or '-':<16} {occupation or '-'}"
        )

    lines += ["", "Skor kesejahteraan (makin tinggi makin mampu):"]
    if not components:
        lines.append("  tidak dihitung (tidak ada anggota yang hidup atau tidak ada data survei rumah)")
    else:
        order = {name: i for i, name in enumerate(COMPONENTS)}
        components = sorted(components, key=lambda c: (order.get(c[0], len(order)), c[0]))
        total = 0
        for (component, _, points), value in zip(components, _shown_values([c[1] for c in components]), strict=True):
            total += points or 0
            label = COMPONENT_LABELS.get(component, component)
            lines.append(f"  {label:<34} {mask_text(value):<34} {points:>4} poin")
        lines.append(f"  {'Jumlah':<34} {'':<34} {total:>4} poin")
    lines.append(f"Skor: {score if score is not None else '-'}")
    lines.append(
        f"Desil: {desil} dari 10 (desil 1 = 10 % penduduk termiskin)" if desil is not None else "Desil: - (tidak dinilai)"
    )

    lines += [
        "",
        f"STATUS: {status} - {STATUS_TEXT.get(status, status)}",
        "Program: " + (", ".join(programs) if programs else "-"),
    ]
    if reasons:
        lines += ["", f"Alasan dan bukti ({len(reasons)}):"]
    names = {nik: name for nik, name, *_ in members}
    for kind, code, description, source, evidence_id, evidence, method, link_score in reasons:
        # a penduduk evidence_id is a member's NIK, or the family's own NO_KK (kept whole, as above)
        shown_id = mask_nik(evidence_id) if source == "penduduk" and evidence_id != kk else (evidence_id or "-")
        if source == "penduduk" and evidence_id in names:
            shown_id += f" ({mask_text(names[evidence_id])})"
        lines.append(f"  [{KIND_TEXT.get(kind, kind)}] {code}: {description}")
        lines.append(f"      bukti: {SOURCE_TEXT.get(source, source)} {shown_id}: {mask_text(evidence)}")
        if method:
            how = METHOD_TEXT.get(method, method)
            score_word = "skor nama" if method in ("NAME_MATCH", "AMBIGUOUS") else "skor"
            lines.append(f"      tautan: {method} ({how})"
                         + ("" if link_score is None else f", {score_word} {score_text(link_score)}"))
    return "\n".join(lines)


def score_text(x: float) -> str:
    """A link score as the evidence texts write it, by the same expression (assets/text.py): at
    most two decimals, none when whole, a decimal comma: 0,86; 0,9; 1."""
    return pl.select(number_text(pl.lit(float(x)))).item()
