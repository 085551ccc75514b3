"""The name normaliser and the matching key (assets/linkage/names.py): examples and properties."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.linkage.names import (
    _MUHAMMAD_RE,
    key_from_normalised_expr,
    name_expr,
    name_key,
    name_key_expr,
    normalise_name,
    patronymic,
)

# --- examples -----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw,expected", [
    ("budi  santoso", "BUDI SANTOSO"),
    ("  Budi\tSantoso ", "BUDI SANTOSO"),
    ("H. BUDI SANTOSO", "BUDI SANTOSO"),
    ("Hj. Siti Aminah", "SITI AMINAH"),
    ("DRS. H. BUDI SANTOSO, M.SI", "BUDI SANTOSO"),
    ("Dra. Sri Wahyuni", "SRI WAHYUNI"),
    ("IR. BUDI SANTOSO", "BUDI SANTOSO"),
    ("Prof. Dr. Budi Santoso", "BUDI SANTOSO"),
    ("BUDI SANTOSO, S.PD.", "BUDI SANTOSO"),
    ("BUDI SANTOSO S.Pd", "BUDI SANTOSO"),
    ("BUDI SANTOSO, S.E., S.H.", "BUDI SANTOSO"),
    ("SITI AMINAH, A.MD.", "SITI AMINAH"),
    ("BUDI SANTOSO S.KOM.", "BUDI SANTOSO"),
    ("BUDI SANTOSO SE", "BUDI SANTOSO"),
    # degrees written without dots, in the middle or at the end, the name around them kept
    ("SITI AMINAH AMD", "SITI AMINAH"),
    ("BUDI SKOM SANTOSO", "BUDI SANTOSO"),
    ("DEWI AMK LESTARI", "DEWI LESTARI"),
    ("DRS BUDI SANTOSO SPD", "BUDI SANTOSO"),
    # Degrees one after the other without a comma, and a degree in front: a dotted degree never
    # takes the next word with it.
    ("BUDI SANTOSO S.PD. M.PD.", "BUDI SANTOSO"),
    ("ALI S.E. M.M.", "ALI"),
    ("ALI S.H. M.H.", "ALI"),
    ("SITI AMINAH S.PD. M.SI.", "SITI AMINAH"),
    ("ALI S.KOM. M.KOM.", "ALI"),
    ("ALI S.PD.I. M.PD.I.", "ALI"),
    ("BUDI S.PD.I", "BUDI"),
    ("SITI A.MD.KEB.", "SITI"),
    ("S.H. ALI", "ALI"),
    ("S.PD. BUDI", "BUDI"),
    ("AHMAD S.PD. BIN ALI", "AHMAD"),
    ("SITI S.E. BT. ALI", "SITI"),
    ("AHMAD BIN SALIM", "AHMAD"),
    ("SITI AMINAH BINTI KARTO WIRYO", "SITI AMINAH"),
    ("MOH. ALI", "MUHAMMAD ALI"),
    ("MUH ALI", "MUHAMMAD ALI"),
    ("MOCH. ALI", "MUHAMMAD ALI"),
    ("M. ALI", "MUHAMMAD ALI"),
    ("H. M. ALI", "MUHAMMAD ALI"),
    # "M." and a master's code alone are Muhammad and a name part; after a name, a degree.
    ("M. HI", "MUHAMMAD HI"),
    ("H. M. SI", "MUHAMMAD SI"),
    ("BUDI SANTOSO M.SI.", "BUDI SANTOSO"),
    ("HJ. SITI AMINAH M.KES", "SITI AMINAH"),
    ("MUHAMAD ALI", "MUHAMMAD ALI"),
    ("MOCHAMMAD ALI", "MUHAMMAD ALI"),
    ("MOHAMAD ALI", "MUHAMMAD ALI"),
    ("MOHAMMAD ALI", "MUHAMMAD ALI"),
    ("MUCHAMMAD ALI", "MUHAMMAD ALI"),
    ("ST. AMINAH", "SITI AMINAH"),
    ("MA'RUF", "MARUF"),
    ("NUR-HASAN", "NUR HASAN"),
    # An initial is not a title: "A." and "S." stay, "M." in front is Muhammad.
    ("A. RAHMAN", "A RAHMAN"),
    ("S. BUDI", "S BUDI"),
    ("", ""),
    (None, ""),
])
def test_normalise_examples(raw, expected):
    assert normalise_name(raw) == expected


def test_patronymic_is_kept_separately():
    assert patronymic("AHMAD BIN SALIM") == "SALIM"
    assert patronymic("Siti Aminah binti H. Karto") == "KARTO"
    assert patronymic("BUDI SANTOSO") == ""


@pytest.mark.parametrize("old,new", [
    ("SOEKARNO", "SUKARNO"),
    ("DJOKO SOESILO", "JOKO SUSILO"),
    ("TJAHJO KOEMOLO", "CAHYO KUMOLO"),
    ("SJAMSUDIN", "SYAMSUDIN"),
    ("CHOIRUL ANAM", "KHOIRUL ANAM"),
    ("JOESOEF", "YUSUF"),
    ("SOEDJATMIKO", "SUJATMIKO"),
    ("ABDULLAH", "ABDULAH"),
])
def test_old_and_new_spelling_meet(old, new):
    assert name_key(old) == name_key(new)


def test_distinct_names_stay_distinct():
    assert name_key("BUDI SANTOSO") != name_key("BUDI SANTOSA")
    assert name_key("SITI AMINAH") != name_key("SITI AMINAH ZAHRA")


def test_expressions_match_the_scalars_over_a_column():
    names = ["H. Moch. Ali", "DJOKO", None, "Siti Aminah binti Karto"]
    out = pl.DataFrame({"n": names}).select(a=name_expr("n"), b=name_key_expr("n"))
    assert out["a"].to_list() == [normalise_name(n) or None for n in names]
    assert out["b"].to_list() == [name_key(n) or None for n in names]


# --- properties ---------------------------------------------------------------------------------
def _to_old_spelling(name: str) -> str:
    """The pre-1972 spelling of a new-spelling name (the inverse of what the key undoes)."""
    out, i = [], 0
    while i < len(name):
        two = name[i:i + 2]
        if two == "SY":
            out.append("SJ"); i += 2
        elif two == "KH":
            out.append("CH"); i += 2
        elif two == "NY":
            out.append("NJ"); i += 2
        else:
            c = name[i]
            out.append({"U": "OE", "J": "DJ", "C": "TJ", "Y": "J"}.get(c, c))
            i += 1
    return "".join(out)


# Name parts as Indonesian names are made: consonant-vowel syllables of the new spelling.
_ONSETS = ["B", "D", "G", "H", "K", "L", "M", "N", "P", "R", "S", "T", "W", "Y", "J", "C", "KH",
           "SY", "NG", "NY", ""]
_VOWELS = ["A", "I", "U", "E", "O"]
_CODAS = ["", "", "", "N", "R", "M", "T", "NG", "S", "H"]
syllable = st.tuples(st.sampled_from(_ONSETS), st.sampled_from(_VOWELS),
                     st.sampled_from(_CODAS)).map("".join)
# Name parts that happen to be titles, bin/binti or Muhammad's forms are kept out: those change
# the name by design.
_SPECIAL = {"H", "HJ", "KH", "DR", "IR", "SE", "SH", "ST", "MM", "MT", "MH", "MA", "BIN", "BINTI",
            "BT", "NY", "TN", "SDR", "ALM", "IBU", "BAPAK", "BPK", "TUAN", "MUH", "MOH", "MUCH",
            "HAJI", "HAJAH", "SPD", "MPD", "MSI", "M"}
part = st.lists(syllable, min_size=1, max_size=4).map("".join).filter(
    lambda p: len(p) >= 2
    and p not in _SPECIAL
    and _to_old_spelling(p) not in _SPECIAL  # HAYI is HAJI in the old spelling
    and not re.fullmatch(_MUHAMMAD_RE, p)  # MUMAT, MOCHAMAD: Muhammad's forms
)
plain_name = st.lists(part, min_size=1, max_size=4).map(" ".join)
# Free text: any characters, to check that nothing breaks and that normalising is stable.
any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                   max_size=40)
title_before = st.sampled_from(["", "H. ", "HJ. ", "DRS. ", "DRA. ", "IR. ", "DR. ", "PROF. ",
                                "PROF. DR. ", "DRS. H. ", "Ir. H. "])
title_after = st.sampled_from(["", ", S.PD.", ", S.E.", ", S.H.", ", A.MD.", ", S.KOM.",
                               " S.Pd", ", S.E., M.M.", ", M.SI", " S.H.", " S.PD. M.PD.",
                               " S.E. M.M.", " S.H. M.H.", " S.Pd.I. M.Pd.I."])


def _mess_case_space(s: str, flips: list[bool], extra: int) -> str:
    chars = [c.lower() if f else c for c, f in zip(s, flips + [False] * len(s))]
    return (" " * extra) + "".join(chars).replace(" ", " " * (1 + extra)) + (" " * extra)


@settings(max_examples=120, deadline=None)
@given(any_text)
def test_normalising_is_idempotent(text):
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert name_key(once) == name_key(text)
    key = name_key(text)
    # The key of a key is the key (the key is never normalised again: it is not a name).
    again = pl.select(key_from_normalised_expr(pl.lit(key, dtype=pl.String))).item()
    assert again == key


@settings(max_examples=100, deadline=None)
@given(any_text)
def test_normalised_names_are_letters_and_single_spaces(text):
    out = normalise_name(text)
    assert all("A" <= c <= "Z" or c == " " for c in out)
    assert "  " not in out and out == out.strip()


@settings(max_examples=80, deadline=None)
@given(plain_name, title_before, title_after, st.lists(st.booleans(), max_size=60),
       st.integers(0, 3))
def test_titles_case_and_spaces_do_not_change_the_name(name, before, after, flips, extra):
    messy = _mess_case_space(before + name + after, flips, extra)
    assert normalise_name(messy) == normalise_name(name) == name
    assert name_key(messy) == name_key(name)


@settings(max_examples=40, deadline=None)
@given(plain_name, plain_name)
def test_bin_binti_drops_the_patronymic(name, father):
    for word in ("BIN", "BINTI", "bin", "Binti"):
        assert normalise_name(f"{name} {word} {father}") == name
        assert patronymic(f"{name} {word} {father}") == father
        # a degree between the name and the patronymic
        assert normalise_name(f"{name} S.PD. {word} {father}") == name
        assert normalise_name(f"{name} S.E. {word}. {father}") == name


@settings(max_examples=120, deadline=None)
@given(plain_name)
def test_old_and_new_spelling_meet_on_the_key(name):
    assert name_key(_to_old_spelling(name)) == name_key(name)


@settings(max_examples=60, deadline=None)
@given(st.lists(part, min_size=1, max_size=3).map(" ".join),
       st.sampled_from(["MUHAMMAD", "MUHAMAD", "MOHAMMAD", "MOHAMAD", "MOCHAMMAD", "MOCHAMAD",
                        "MUCHAMMAD", "MUKHAMMAD", "MOHAMED", "MOH.", "MUH.", "MOCH.", "M.",
                        "Moh", "muh.", "MOHD", "MHD"]))
def test_muhammad_variants_meet(rest, variant):
    assert normalise_name(f"{variant} {rest}") == f"MUHAMMAD {rest}"
    assert name_key(f"{variant} {rest}") == name_key(f"MUHAMMAD {rest}")


# --- typing errors and dropped parts: the matcher, not the normaliser, forgives them -----------
_PARTS = ["SUPARMAN", "WIDODO", "KURNIAWATI", "HARYANTO", "SETYOWATI", "PRASETYO", "RAHMAWATI",
          "KUSUMA", "WIBISONO", "LESTARI"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(_PARTS), min_size=2, max_size=3, unique=True),
       st.integers(0, 10_000), st.sampled_from(["TYPO_CHANGE", "TYPO_DROP", "DROPPED_MIDDLE"]))
def test_typing_errors_and_dropped_parts_still_find_the_person(parts, seed, kind):
    import polars as pl

    from assets.linkage.match import NAME_MATCH, link_assets
    from test_linkage import EMPTY_K, EMPTY_R, parcel, penduduk, person, tanah

    name = " ".join(parts)
    letters = [i for i, c in enumerate(name) if c != " "]
    i = letters[seed % len(letters)]
    if kind == "TYPO_CHANGE":
        written = name[:i] + ("A" if name[i] != "A" else "E") + name[i + 1:]
    elif kind == "TYPO_DROP":
        written = name[:i] + name[i + 1:]
    else:
        written = " ".join([parts[0], parts[-1]]) if len(parts) == 3 else name
    reg = penduduk(person("3510120101800001", "3510120101900001", name))
    links = link_assets(reg, tanah(parcel("35101200000001", written)), EMPTY_K, EMPTY_R)
    got = links.filter(pl.col("source") == "tanah").row(0, named=True)
    assert got["method"] == NAME_MATCH and got["nik"] == "3510120101800001"
    assert got["score"] >= 0.80


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(_PARTS), min_size=2, max_size=3, unique=True), st.data())
def test_a_part_cut_to_an_initial_or_a_prefix_finds_the_person_and_never_picks_a_namesake(parts, data):
    import polars as pl

    from assets.linkage.match import AMBIGUOUS, NAME_MATCH, link_assets
    from test_linkage import EMPTY_K, EMPTY_R, parcel, penduduk, person, tanah

    i = data.draw(st.integers(0, len(parts) - 1), label="part cut short")
    n = data.draw(st.integers(1, 2), label="letters kept")
    dot = data.draw(st.sampled_from(["", "."]), label="dot")
    written = " ".join(p[:n] + dot if j == i else p for j, p in enumerate(parts))
    # a namesake whose part there begins with the same letters
    other = parts[i][:n] + "RANTO"
    twin = " ".join(other if j == i else p for j, p in enumerate(parts))
    owner, namesake = "3510120101800001", "3510120202800002"
    record = tanah(parcel("35101200000001", written))

    alone = penduduk(person(owner, "3510120101900001", " ".join(parts)))
    got = link_assets(alone, record, EMPTY_K, EMPTY_R).row(0, named=True)
    assert got["method"] == NAME_MATCH and got["nik"] == owner and got["score"] >= 0.80, (written, got)

    both = penduduk(person(owner, "3510120101900001", " ".join(parts)),
                    person(namesake, "3510120101900002", twin))
    got = link_assets(both, record, EMPTY_K, EMPTY_R).row(0, named=True)
    assert got["method"] == AMBIGUOUS and got["nik"] is None, (written, twin, got)
    assert sorted(got["candidates"]) == [owner, namesake]
