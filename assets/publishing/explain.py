"""One household's decision in words, as a district officer shows it to the family.

Reads the published database only (read-only, never blocks a load); NIKs are masked as in the
district exports.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from assets.publishing.exports import NIK_RE


def _mask(nik: str | None) -> str:
    if nik and len(nik) == 16 and nik.isdigit():
        return nik[:6] + "******" + nik[12:]
    return nik or "-"


class HouseholdNotFound(ValueError):
    pass


def explain_household(db_path: Path, no_kk: str, load_date: str | None = None) -> str:
    if not Path(db_path).exists():
        raise HouseholdNotFound(f"no published database at {db_path}")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        if load_date:
            row = con.execute(
                "SELECT load_id FROM mart.loads WHERE load_date = ? ORDER BY finished_at DESC LIMIT 1", [load_date]
            ).fetchone()
        else:
            row = con.execute(
                "SELECT load_id FROM mart.loads ORDER BY load_date DESC, finished_at DESC LIMIT 1"
            ).fetchone()
        if row is None:
            raise HouseholdNotFound("no published load" + (f" on {load_date}" if load_date else ""))
        load_id = row[0]
        hh = con.execute(
            "SELECT no_kk, kode_wilayah, head_nik, head_name, members, score, desil, status, programs, policy_version "
            "FROM mart.households WHERE load_id = ? AND no_kk = ?",
            [load_id, no_kk],
        ).fetchone()
        if hh is None:
            raise HouseholdNotFound(f"household not found in load {load_id}")
        members = con.execute(
            "SELECT nik, name, sex, age, relation, occupation FROM mart.members "
            "WHERE load_id = ? AND no_kk = ? ORDER BY age DESC, nik",
            [load_id, no_kk],
        ).fetchall()
        components = con.execute(
            "SELECT component, value, points FROM mart.score_components WHERE load_id = ? AND no_kk = ? "
            "ORDER BY component",
            [load_id, no_kk],
        ).fetchall()
        reasons = con.execute(
            "SELECT kind, code, description, evidence_source, evidence_id, evidence, link_method, link_score "
            "FROM mart.household_reasons WHERE load_id = ? AND no_kk = ? ORDER BY kind, code, evidence_id",
            [load_id, no_kk],
        ).fetchall()
    finally:
        con.close()

    import re

    (kk, wilayah, head_nik, head_name, n_members, score, desil, status, programs, version) = hh
    lines = [
        f"Keluarga (No. KK) {kk}   desa/kelurahan {wilayah}",
        f"Muat data: {load_id}   kebijakan: {version}",
        f"Kepala keluarga: {head_name} (NIK {_mask(head_nik)})",
        "",
        f"Anggota keluarga ({n_members}):",
    ]
    for nik, name, sex, age, relation, occupation in members:
        lines.append(f"  - {name:<30} {_mask(nik)}  {sex:<9} {age:>3} th  {relation:<16} {occupation}")
    lines += ["", f"Skor kesejahteraan: {score if score is not None else '-'}"]
    for component, value, points in components:
        lines.append(f"  {component:<28} {str(value):<36} {points:>3} poin")
    lines += [
        f"Desil: {desil if desil is not None else '- (tidak dinilai)'}",
        "",
        f"STATUS: {status}",
        "Program: " + (", ".join(programs) if programs else "-"),
    ]
    if reasons:
        lines += ["", "Alasan dan bukti:"]
    for kind, code, description, source, evidence_id, evidence, method, link_score in reasons:
        shown_id = _mask(evidence_id) if source == "penduduk" else evidence_id
        fact = re.sub(NIK_RE, r"\1******\2", evidence or "")
        link = f" [{method}{'' if link_score is None else f' {link_score:.2f}'}]" if method else ""
        lines.append(f"  [{kind}] {code}: {description}")
        lines.append(f"      bukti: {source} {shown_id}: {fact}{link}")
    return "\n".join(lines)
