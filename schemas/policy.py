"""The eligibility policy file's model: `load_policy` reads `data/policy.toml` into a `Policy`.

Every number and list of the eligibility rules lives in that versioned TOML file (see
docs/policy.md). Loading is strict: a missing key, a value of the wrong type, an unknown key, an
out-of-range value or a label that is not in the contract's code lists raises `PolicyError`, whose
message names the file and the dotted key (`score.lantai.KERAMIK`, `links.accept`).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas import codes

ENV_POLICY = "PERLINSOS_POLICY"
DEFAULT_POLICY_PATH = Path(__file__).resolve().parents[1] / "data" / "policy.toml"

# Reason codes and their kind (household_reasons.kind).
EXCLUSION_CODES = (
    "STATE_EMPLOYEE",
    "SOE_EMPLOYEE",
    "CAR_OWNER",
    "LAND_ABOVE_LIMIT",
    "HIGH_ELECTRICITY",
    "HOUSEHOLD_DISSOLVED",
    "DECILE_ABOVE_CUTOFF",
)
REVIEW_CODES = ("UNCERTAIN_MATCH", "CONFLICTING_RECORDS", "REJECTED_MEMBER_ROW", "NO_HOUSING_DATA")
REASON_CODES = EXCLUSION_CODES + REVIEW_CODES
PROGRAMS = ("PKH", "SEMBAKO", "PBI_JK")

# Categorical score components: component name -> the code list its table must cover exactly.
CATEGORICAL_COMPONENTS: dict[str, tuple[str, ...]] = {
    "lantai": codes.LANTAI,
    "dinding": codes.DINDING,
    "atap": codes.ATAP,
    "sumber_air_minum": codes.SUMBER_AIR_MINUM,
    "fasilitas_bab": codes.FASILITAS_BAB,
    "bahan_bakar_masak": codes.BAHAN_BAKAR_MASAK,
    "status_bangunan": codes.STATUS_BANGUNAN,
    "pendidikan_kepala": codes.PDDK_AKH,
}
METERED = "PLN METERAN"  # the PENERANGAN label scored by DAYA_VA instead of by label

# Score components in the order they are reported.
COMPONENTS = (
    "luas_lantai_per_anggota",
    "lantai",
    "dinding",
    "atap",
    "sumber_air_minum",
    "fasilitas_bab",
    "listrik",
    "bahan_bakar_masak",
    "status_bangunan",
    "pendidikan_kepala",
    "pekerjaan_kepala",
    "rasio_ketergantungan",
    "sepeda_motor",
    "mobil",
    "nilai_tanah",
)


class FrozenMap(dict):
    """A read-only dict: hashable, picklable (for run storage), and refusing every change."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("policy tables are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]
    __ior__ = _readonly  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __reduce__(self):
        return (FrozenMap, (dict(self),))


class PolicyError(Exception):
    """The policy file is unreadable, malformed or breaks a rule; the message names the key."""


# --- the model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkThresholds:
    accept: float
    review: float
    margin: float
    holder_min_age: int = 18
    # An uncertain record listing more candidates than this reviews none of them (0: no limit).
    review_max_candidates: int = 0


@dataclass(frozen=True)
class Exclusions:
    state_employee_occupations: tuple[str, ...]
    state_employee_prefixes: tuple[str, ...]
    soe_occupations: tuple[str, ...]
    car_types: tuple[str, ...]
    car_tax_window_years: int
    agricultural_uses: tuple[str, ...]
    agricultural_area_max_m2: float
    land_value_max: int
    electricity_min_va: int


@dataclass(frozen=True)
class Band:
    """Points for a value at or above `lower` (up to the next band's `lower`)."""

    lower: float
    points: int


@dataclass(frozen=True)
class UpperBand:
    """Points for a value at or below `upper` (and above the previous band's `upper`)."""

    upper: float
    points: int


@dataclass(frozen=True)
class Electricity:
    penerangan: Mapping[str, int]
    pln_meteran: tuple[Band, ...]


@dataclass(frozen=True)
class Occupation:
    labels: Mapping[str, int]
    prefixes: Mapping[str, int]
    default: int
    missing: int


@dataclass(frozen=True)
class Dependency:
    young_below: int
    old_from: int
    bands: tuple[UpperBand, ...]
    otherwise: int


@dataclass(frozen=True)
class VehicleCount:
    types: tuple[str, ...]
    tax_window_years: int
    points_each: int
    max_points: int


@dataclass(frozen=True)
class Score:
    floor_area_bands: tuple[Band, ...]
    categorical: Mapping[str, Mapping[str, int]]
    electricity: Electricity
    occupation: Occupation
    dependency: Dependency
    motorcycles: VehicleCount
    cars: VehicleCount
    land_value_bands: tuple[Band, ...]


@dataclass(frozen=True)
class Program:
    name: str
    max_decile: int
    member_age_below: int | None
    member_age_from: int | None


@dataclass(frozen=True)
class Policy:
    version: str
    links: LinkThresholds
    quarantine_max_rate: float
    exclusions: Exclusions
    score: Score
    decile_groups: int
    programs: tuple[Program, ...]
    descriptions: Mapping[str, str]

    def reason_kind(self, code: str) -> str:
        return "EXCLUSION" if code in EXCLUSION_CODES else "REVIEW"


# --- strict reading ---------------------------------------------------------------------------------


class _Reader:
    """Typed access to a TOML table that records which keys were read, for unknown-key checks."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, key: str, problem: str) -> PolicyError:
        return PolicyError(f"policy file {self.file}: {key}: {problem}")

    @staticmethod
    def join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def get(self, table: Mapping[str, Any], path: str, key: str) -> Any:
        if key not in table:
            raise self.fail(self.join(path, key), "missing key")
        return table[key]

    def table(self, table: Mapping[str, Any], path: str, key: str, allowed: set[str] | None = None) -> dict:
        value = self.get(table, path, key)
        full = self.join(path, key)
        if not isinstance(value, dict):
            raise self.fail(full, f"must be a table, not {_typename(value)}")
        if allowed is not None:
            self.no_unknown(value, full, allowed)
        return value

    def no_unknown(self, table: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(self.join(path, key), "unknown key")

    def number(self, table, path, key, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
        value = self.get(table, path, key)
        return self.check_number(value, self.join(path, key), lo, hi, lo_open, hi_open)

    def check_number(self, value, full, lo=None, hi=None, lo_open=False, hi_open=False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(full, f"must be a number, not {_typename(value)}")
        if not math.isfinite(value):
            raise self.fail(full, "must be a finite number")
        if lo is not None and (value < lo or (lo_open and value == lo)):
            raise self.fail(full, f"out of range: must be {'>' if lo_open else '>='} {lo}")
        if hi is not None and (value > hi or (hi_open and value == hi)):
            raise self.fail(full, f"out of range: must be {'<' if hi_open else '<='} {hi}")
        return float(value)

    def integer(self, table, path, key, lo: int | None = None, hi: int | None = None) -> int:
        return self.check_integer(self.get(table, path, key), self.join(path, key), lo, hi)

    def check_integer(self, value, full, lo=None, hi=None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(full, f"must be an integer, not {_typename(value)}")
        if lo is not None and value < lo:
            raise self.fail(full, f"out of range: must be >= {lo}")
        if hi is not None and value > hi:
            raise self.fail(full, f"out of range: must be <= {hi}")
        return value

    def points(self, value, full) -> int:
        return self.check_integer(value, full, 0, 1000)

    def string(self, table, path, key) -> str:
        value = self.get(table, path, key)
        if not isinstance(value, str):
            raise self.fail(self.join(path, key), f"must be a string, not {_typename(value)}")
        if not value.strip():
            raise self.fail(self.join(path, key), "must not be empty")
        return value

    def labels(self, table, path, key, known: tuple[str, ...] | None, prefix: bool = False) -> tuple[str, ...]:
        value = self.get(table, path, key)
        full = self.join(path, key)
        if not isinstance(value, list):
            raise self.fail(full, f"must be a list of strings, not {_typename(value)}")
        if not value:
            raise self.fail(full, "must not be empty")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{full}[{i}]", "must be a non-empty string")
            if known is not None and not prefix and item not in known:
                raise self.fail(f"{full}[{i}]", "not a label of the code list")
            if known is not None and prefix and not any(k.startswith(item) for k in known):
                raise self.fail(f"{full}[{i}]", "no label of the code list starts with it")
        if len(set(value)) != len(value):
            raise self.fail(full, "repeated label")
        return tuple(value)

    def points_table(self, table, path, key, known: tuple[str, ...]) -> Mapping[str, int]:
        """A label -> points table that must cover the code list `known` exactly."""
        value = self.table(table, path, key)
        full = self.join(path, key)
        for label in known:
            if label not in value:
                raise self.fail(f"{full}.{label}", "missing key")
        self.no_unknown(value, full, set(known))
        return FrozenMap({label: self.points(value[label], f"{full}.{label}") for label in known})

    def bands(self, table, path, key) -> tuple[Band, ...]:
        value = self.get(table, path, key)
        full = self.join(path, key)
        if not isinstance(value, list) or not value:
            raise self.fail(full, "must be a non-empty list of {from, points} tables")
        out: list[Band] = []
        for i, item in enumerate(value):
            where = f"{full}[{i}]"
            if not isinstance(item, dict):
                raise self.fail(where, f"must be a table, not {_typename(item)}")
            self.no_unknown(item, where, {"from", "points"})
            lower = self.number(item, where, "from", lo=0)
            pts = self.points(self.get(item, where, "points"), f"{where}.points")
            if i == 0 and lower != 0:
                raise self.fail(f"{where}.from", "out of range: the first band must start at 0")
            if out and lower <= out[-1].lower:
                raise self.fail(f"{where}.from", "out of range: bands must be in increasing order")
            out.append(Band(lower, pts))
        return tuple(out)

    def upper_bands(self, table, path, key) -> tuple[UpperBand, ...]:
        value = self.get(table, path, key)
        full = self.join(path, key)
        if not isinstance(value, list) or not value:
            raise self.fail(full, "must be a non-empty list of {max, points} tables")
        out: list[UpperBand] = []
        for i, item in enumerate(value):
            where = f"{full}[{i}]"
            if not isinstance(item, dict):
                raise self.fail(where, f"must be a table, not {_typename(item)}")
            self.no_unknown(item, where, {"max", "points"})
            upper = self.number(item, where, "max", lo=0)
            pts = self.points(self.get(item, where, "points"), f"{where}.points")
            if out and upper <= out[-1].upper:
                raise self.fail(f"{where}.max", "out of range: bands must be in increasing order")
            out.append(UpperBand(upper, pts))
        return tuple(out)


def _typename(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _parse(doc: Mapping[str, Any], file: str) -> Policy:
    r = _Reader(file)
    r.no_unknown(doc, "", {"version", "links", "quarantine", "exclusion", "score", "decile", "programs", "reasons"})
    version = r.string(doc, "", "version")

    lk = r.table(doc, "", "links", {"accept", "review", "margin", "holder_min_age", "review_max_candidates"})
    accept = r.number(lk, "links", "accept", 0, 1, lo_open=True)
    review = r.number(lk, "links", "review", 0, 1, lo_open=True)
    margin = r.number(lk, "links", "margin", 0, 1, hi_open=True)
    if review >= accept:
        raise r.fail("links.review", "out of range: must be below links.accept")
    holder_min_age = r.integer(lk, "links", "holder_min_age", 0, 30)
    # Optional, for policy files written before it: absent means no limit, the policy's own rule.
    review_max_candidates = (
        r.integer(lk, "links", "review_max_candidates", 0, None) if "review_max_candidates" in lk else 0
    )
    links = LinkThresholds(accept, review, margin, holder_min_age, review_max_candidates)

    q = r.table(doc, "", "quarantine", {"max_rate"})
    max_rate = r.number(q, "quarantine", "max_rate", 0, 1)

    ex = r.table(
        doc, "", "exclusion",
        {"state_employee_occupations", "state_employee_prefixes", "soe_occupations", "car_types",
         "car_tax_window_years", "agricultural_uses", "agricultural_area_max_m2", "land_value_max",
         "electricity_min_va"},
    )
    p = "exclusion"
    exclusions = Exclusions(
        state_employee_occupations=r.labels(ex, p, "state_employee_occupations", codes.JENIS_PKRJN),
        state_employee_prefixes=r.labels(ex, p, "state_employee_prefixes", codes.JENIS_PKRJN, prefix=True),
        soe_occupations=r.labels(ex, p, "soe_occupations", codes.JENIS_PKRJN),
        car_types=r.labels(ex, p, "car_types", codes.JENIS_KENDARAAN),
        car_tax_window_years=r.integer(ex, p, "car_tax_window_years", 0, 100),
        agricultural_uses=r.labels(ex, p, "agricultural_uses", codes.PENGGUNAAN),
        agricultural_area_max_m2=r.number(ex, p, "agricultural_area_max_m2", 0, lo_open=True),
        land_value_max=r.integer(ex, p, "land_value_max", 1),
        electricity_min_va=r.integer(ex, p, "electricity_min_va", 1),
    )

    sc = r.table(doc, "", "score", set(COMPONENTS))
    p = "score"
    fa = r.table(sc, p, "luas_lantai_per_anggota", {"bands"})
    floor_area = r.bands(fa, "score.luas_lantai_per_anggota", "bands")
    categorical = FrozenMap(
        {name: r.points_table(sc, p, name, known) for name, known in CATEGORICAL_COMPONENTS.items()}
    )
    el = r.table(sc, p, "listrik", {"penerangan", "pln_meteran"})
    electricity = Electricity(
        penerangan=r.points_table(el, "score.listrik", "penerangan", tuple(x for x in codes.PENERANGAN if x != METERED)),
        pln_meteran=r.bands(el, "score.listrik", "pln_meteran"),
    )
    oc = r.table(sc, p, "pekerjaan_kepala", {"labels", "prefixes", "default", "missing"})
    op = "score.pekerjaan_kepala"
    oc_labels = r.table(oc, op, "labels")
    for label in oc_labels:
        if label not in codes.JENIS_PKRJN:
            raise r.fail(f"{op}.labels.{label}", "unknown key: not a JENIS_PKRJN label")
    oc_prefixes = r.table(oc, op, "prefixes")
    for prefix in oc_prefixes:
        if not prefix.strip() or not any(k.startswith(prefix) for k in codes.JENIS_PKRJN):
            raise r.fail(f"{op}.prefixes.{prefix}", "unknown key: no JENIS_PKRJN label starts with it")
    occupation = Occupation(
        labels=FrozenMap({k: r.points(v, f"{op}.labels.{k}") for k, v in oc_labels.items()}),
        prefixes=FrozenMap({k: r.points(v, f"{op}.prefixes.{k}") for k, v in oc_prefixes.items()}),
        default=r.points(r.get(oc, op, "default"), f"{op}.default"),
        missing=r.points(r.get(oc, op, "missing"), f"{op}.missing"),
    )
    dp = r.table(sc, p, "rasio_ketergantungan", {"young_below", "old_from", "bands", "otherwise"})
    dpp = "score.rasio_ketergantungan"
    young = r.integer(dp, dpp, "young_below", 0, 150)
    old = r.integer(dp, dpp, "old_from", 0, 150)
    if old < young:
        raise r.fail(f"{dpp}.old_from", "out of range: must not be below young_below")
    dependency = Dependency(
        young_below=young,
        old_from=old,
        bands=r.upper_bands(dp, dpp, "bands"),
        otherwise=r.points(r.get(dp, dpp, "otherwise"), f"{dpp}.otherwise"),
    )

    def vehicles(name: str) -> VehicleCount:
        t = r.table(sc, p, name, {"types", "tax_window_years", "points_each", "max_points"})
        vp = f"score.{name}"
        return VehicleCount(
            types=r.labels(t, vp, "types", codes.JENIS_KENDARAAN),
            tax_window_years=r.integer(t, vp, "tax_window_years", 0, 100),
            points_each=r.points(r.get(t, vp, "points_each"), f"{vp}.points_each"),
            max_points=r.points(r.get(t, vp, "max_points"), f"{vp}.max_points"),
        )

    motorcycles = vehicles("sepeda_motor")
    cars = vehicles("mobil")
    lv = r.table(sc, p, "nilai_tanah", {"bands"})
    score = Score(
        floor_area_bands=floor_area,
        categorical=categorical,
        electricity=electricity,
        occupation=occupation,
        dependency=dependency,
        motorcycles=motorcycles,
        cars=cars,
        land_value_bands=r.bands(lv, "score.nilai_tanah", "bands"),
    )

    dc = r.table(doc, "", "decile", {"groups"})
    groups = r.integer(dc, "decile", "groups", 1, 1000)

    pr = r.table(doc, "", "programs", set(PROGRAMS))
    if not pr:
        raise r.fail("programs", "must name at least one program")
    programs: list[Program] = []
    for name in PROGRAMS:
        if name not in pr:
            continue
        t = r.table(pr, "programs", name, {"max_decile", "member_age_below", "member_age_from"})
        pp = f"programs.{name}"
        below = r.integer(t, pp, "member_age_below", 0, 150) if "member_age_below" in t else None
        from_ = r.integer(t, pp, "member_age_from", 0, 150) if "member_age_from" in t else None
        programs.append(Program(name, r.integer(t, pp, "max_decile", 1, groups), below, from_))

    rs = r.table(doc, "", "reasons", set(REASON_CODES))
    descriptions = FrozenMap({code: r.string(rs, "reasons", code) for code in REASON_CODES})

    return Policy(
        version=version,
        links=links,
        quarantine_max_rate=max_rate,
        exclusions=exclusions,
        score=score,
        decile_groups=groups,
        programs=tuple(programs),
        descriptions=descriptions,
    )


def policy_path(path: Path | None = None) -> Path:
    """The policy file to read: `path`, else $PERLINSOS_POLICY, else data/policy.toml."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_POLICY, "").strip()
    return Path(env) if env else DEFAULT_POLICY_PATH


def load_policy(path: Path | None = None) -> Policy:
    """Read and check the policy file; raises PolicyError naming the bad key."""
    p = policy_path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyError(f"policy file {p}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyError(f"policy file {p.name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {p.name}: not valid TOML ({exc})") from None
    return _parse(doc, p.name)
