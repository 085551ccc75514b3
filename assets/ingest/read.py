"""Find and read one extract of a load folder as text, hash it, and read `load.json`.

Every contract column comes out as `pl.String` (an empty field is null), never type-inferred:
a NIK must never become a float. `ROW_NUMBER` (Int64) is the 1-based data row of the file (the
header is row 0). Columns the contract does not name are dropped and listed in `extra_columns`.

A blank line of a CSV (empty, only blanks, or only commas and blanks) is no data row: it is left
out of the frame and of `rows`, and counted in `blank_lines`. It keeps its place in the
numbering, so that `ROW_NUMBER` still names the row an operator finds in the file (line
`ROW_NUMBER + 1` in an editor, when no field spans lines).

Header names are compared after removing surrounding blanks and a byte-order mark, and without
regard to case (`nik` and ` NIK ` both name `NIK`); the frame always uses the contract's
spelling. A contract column named twice, in any spelling, stops the load.

Error messages name the file, the column and the kind of problem, never a value from a data row.
"""

from __future__ import annotations

import hashlib
import json
import re
from csv import Error as csv_error
from csv import reader as csv_reader
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from assets.concurrency import in_threads
from schemas.extracts import LOAD_INFO_FILE, NUMBER_IDS, REQUIRED_COLUMNS

ROW_NUMBER = "ROW_NUMBER"
_BOM = "\ufeff"
_SCOPE = re.compile(r"^[0-9]{2}\.[0-9]{2}$")


class ExtractError(Exception):
    """An extract (or load.json) that cannot be accepted; the load must stop."""


@dataclass
class RawExtract:
    name: str
    path: Path
    frame: pl.DataFrame
    sha256: str
    rows: int  # data rows (blank lines not counted)
    extra_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0


@dataclass(frozen=True)
class LoadInfo:
    load_date: date | None
    scope: str | None

    @property
    def scope_codes(self) -> list[str] | None:
        """The scope as a sorted list of regency codes (`"35.10+35.09"` → `["35.09", "35.10"]`)."""
        if self.scope is None:
            return None
        return sorted({part.strip() for part in re.split(r"[+,]", self.scope)})


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _header_key(name: str) -> str:
    return name.replace(_BOM, "").strip().upper()


def _find(folder: Path, name: str) -> Path:
    csv = folder / f"{name}.csv"
    parquet = folder / f"{name}.parquet"
    if csv.is_file() and parquet.is_file():
        raise ExtractError(
            f"both {csv.name} and {parquet.name} are present in {folder}: "
            f"deliver exactly one file per extract"
        )
    if csv.is_file():
        return csv
    if parquet.is_file():
        return parquet
    for path in (csv, parquet):
        if path.exists():
            raise ExtractError(f"{path.name} in {folder} is not a file (a folder?): deliver the extract as one file")
    raise ExtractError(f"extract {name!r} is missing: neither {csv.name} nor {parquet.name} in {folder}")


def _read_csv(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """The file's rows as text, and its header names as written (polars renames a name that
    occurs twice, so the header is read once more on its own)."""
    try:
        frame = pl.read_csv(
            path,
            has_header=True,
            infer_schema=False,
            encoding="utf8",
            separator=",",
            quote_char='"',
            empty_string_is_null=True,
            raise_if_empty=True,
        )
        with open(path, encoding="utf-8-sig", newline="") as handle:
            names = next(csv_reader(handle), [])
    except Exception as exc:  # polars raises several types; the message may quote data
        if path.stat().st_size < 4096 and not path.read_bytes().lstrip(b"\xef\xbb\xbf \t\r\n"):
            raise ExtractError(f"{path.name}: the file is empty (not even a header row)") from None
        where = _first_bad_line(path)
        raise ExtractError(
            f"{path.name}: cannot be read as a UTF-8 comma-separated file with a header "
            f"({type(exc).__name__}{'; ' + where if where else ''})"
        ) from None
    if len(names) != frame.width:
        with open(path, "rb") as handle:
            start = handle.read(65536)
        if b"\r" in start and b"\n" not in start:
            raise ExtractError(
                f"{path.name}: its lines end in a carriage return alone (old Mac line ends), which no CSV "
                "reader splits: deliver lines ending in LF or CRLF"
            )
        raise ExtractError(f"{path.name}: the header row cannot be read as comma-separated names")
    return frame, names


# One physical line of well-formed CSV: fields either without quotes, or wholly quoted (a quote
# inside doubled). A quote anywhere else (`JL MELATI 5"A`, `"DUL" ABDUL`) is what Polars refuses
# and Python's csv module lets pass.
_FIELD = r'(?:[^",\r\n]*|"(?:[^"]|"")*")'
_CSV_LINE = re.compile(rf"{_FIELD}(?:,{_FIELD})*\r?\n?")


def _first_bad_line(path: Path) -> str | None:
    """Where a CSV that Polars refused goes wrong, without a value from it: the first line that
    is not UTF-8, the first record with more fields than the header (a record with fewer is
    read, its last fields missing), a quote inside a field that is not quoted (or text after a
    quoted one), or a quote left open (its record runs to the end of the file).

    Only on a file already refused, so reading it record by record here costs a load nothing."""
    start = 1  # the line the next record starts on
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            lines: list[str] = []

            def kept(source):  # the physical lines of the record being read
                for line in source:
                    lines.append(line)
                    yield line

            rows = csv_reader(kept(handle))
            header = next(rows, None)
            if header is None:
                return None
            lines.clear()
            start, spans = 2, False
            for record in rows:
                if len(record) > len(header):
                    return (f"the record starting on line {start} has {len(record)} fields, "
                            f"the header {len(header)}")
                spans = any("\n" in f or "\r" in f for f in record)  # (an open quote runs on)
                if len(lines) == 1 and not spans and '"' in lines[0] and not _CSV_LINE.fullmatch(lines[0]):
                    return (f"the record on line {start} has a quote inside a field that is not "
                            "quoted, or text after a quoted field")
                lines.clear()
                last, start = start, rows.line_num + 1
            if spans:  # the last record runs on over lines: a quote opened in it may never close
                handle.seek(0)
                rest = "".join(handle.readlines()[last - 1:])
                if rest.count('"') % 2:  # the record's text holds a quote that is never closed
                    return f"a quote opened in the record starting on line {last} is never closed"
    except UnicodeDecodeError:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return f"line {number} is not UTF-8"
    except csv_error:
        return f"the record starting on line {start} is not valid CSV"
    return None


_LOOKS_LIKE_A_VALUE = re.compile(r"^[-+]?[0-9][0-9 .,:/'+-]*$")


def _blank_lines(frame: pl.DataFrame) -> pl.Series:
    """True for a row whose every field is missing or only blanks (a blank line of the file)."""

    def empty(column: str) -> pl.Expr:
        return pl.col(column).is_null() | ~pl.col(column).str.contains(r"\S")

    # The first field decides for nearly every row; the others are read only where it is empty.
    first = frame.select(empty(frame.columns[0])).to_series()
    at = first.arg_true()
    if at.len() == 0 or frame.width == 1:
        return first
    rest = frame[at].select(pl.all_horizontal([empty(c) for c in frame.columns[1:]])).to_series()
    blank = pl.repeat(False, frame.height, eager=True, dtype=pl.Boolean)
    return blank.scatter(at.filter(rest), True)


def _to_text(series: pl.Series) -> pl.Series:
    """A Parquet column of any natural Arrow type as text."""
    dtype = series.dtype
    if dtype == pl.String:
        return series
    if dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return series.dt.strftime("%Y-%m-%d")
    if dtype.is_integer():
        return series.cast(pl.String)
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        as_float = series.cast(pl.Float64)
        whole = as_float.is_finite() & (as_float == as_float.round(0)) & (as_float.abs() < 9e18)
        frame = pl.DataFrame({"v": as_float, "w": whole})
        # Whole numbers without decimals; others with a decimal comma, the contract's notation,
        # so that the number parser cannot mistake `123.456` for thousands grouping.
        return frame.select(
            pl.when(pl.col("w"))
            .then(pl.col("v").cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(pl.col("v").cast(pl.String).str.replace(".", ",", literal=True))
        ).to_series().alias(series.name)
    if dtype == pl.Null:
        return series.cast(pl.String)
    if dtype == pl.Boolean:
        return series.cast(pl.String)
    if dtype == pl.Categorical or isinstance(dtype, pl.Enum):
        return series.cast(pl.String)
    raise ExtractError(f"column {series.name!r} has type {dtype}, which cannot be read as text")


def _parquet_columns_named_twice(path: Path) -> list[str]:
    """Column names a Parquet file carries more than once (Polars refuses such a file)."""
    try:
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
    except Exception:
        return []
    return sorted({n for n in names if names.count(n) > 1})


def _read_parquet(path: Path, keep: set[str]) -> tuple[pl.DataFrame, list[str]]:
    """The file's columns as text; those whose name (`_header_key`) is not in `keep` are extra:
    ignored, whatever their type, so they come back empty."""
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        twice = _parquet_columns_named_twice(path)
        if twice:
            raise ExtractError(f"{path.name}: column {twice[0]} appears more than once") from None
        raise ExtractError(f"{path.name}: cannot be read as Parquet ({type(exc).__name__})") from None
    exact = 2.0**53  # a double holds every whole number up to here, not beyond
    for column in frame.columns:
        if _header_key(column) in NUMBER_IDS and frame.schema[column].is_float():
            if frame.select((pl.col(column).abs() > exact).any()).item():
                raise ExtractError(
                    f"{path.name}: column {column} holds identity numbers stored as floating point, "
                    "some above 2^53, whose last digits are lost; deliver it as text or integers"
                )

    def text(column: str) -> pl.Series:
        key = _header_key(column)
        if key not in keep:
            return pl.Series(column, [None] * frame.height, dtype=pl.String)
        series = _to_text(frame.get_column(column))
        if key == "NIK_PEMILIK" and frame.schema[column].is_integer():
            # A company's NPWP (15 digits, starting with 0) stored as an integer has lost its
            # leading zero: 14 digits. A NIK never starts with 0, so no NIK loses a digit so.
            series = series.to_frame().select(
                pl.when(pl.col(column).str.len_chars() == 14).then(pl.lit("0") + pl.col(column))
                .otherwise(pl.col(column))
            ).to_series()
        return series

    try:
        return pl.DataFrame([text(c) for c in frame.columns]), frame.columns
    except ExtractError as exc:
        raise ExtractError(f"{path.name}: {exc}") from None


def read_extract(folder: Path, name: str) -> RawExtract:
    """Read extract `name` (`<name>.csv` or `<name>.parquet`) of `folder` as text."""
    if name not in REQUIRED_COLUMNS:
        raise ExtractError(f"unknown extract name {name!r}")
    folder = Path(folder)
    path = _find(folder, name)
    # The file's SHA-256 is computed beside the parse (hashlib releases the GIL): 0.2 s less for
    # the registry of 1,700,000 persons.
    keep = {c.upper() for c in REQUIRED_COLUMNS[name]}
    (frame, header), sha256 = in_threads(lambda read: read(), [
        lambda: _read_parquet(path, keep) if path.suffix == ".parquet" else _read_csv(path),
        lambda: file_sha256(path),
    ])
    blank = _blank_lines(frame) if path.suffix == ".csv" else None

    required = REQUIRED_COLUMNS[name]
    wanted = {c.upper(): c for c in required}
    rename: dict[str, str] = {}
    extra: list[str] = []
    seen: dict[str, str] = {}
    for column, written in zip(frame.columns, header, strict=True):
        key = _header_key(written)
        if key in wanted:
            if key in seen:
                raise ExtractError(
                    f"{path.name}: column {wanted[key]} appears more than once in the header"
                )
            seen[key] = column
            rename[column] = wanted[key]
        else:
            extra.append(written.replace(_BOM, "").strip())
    # A name made of digits and separators (`3510…`, `2026-11-01`, `35.10.12.2001`) is a value, not
    # a column name: the first record is on the header line (a lost line break), and every record
    # would be read against a header of the wrong width. The values are not named: they are a
    # person's data.
    values = [x for x in extra if _LOOKS_LIKE_A_VALUE.match(x)]
    if values:
        raise ExtractError(
            f"{path.name}: the header row holds {len(values)} field(s) that are numbers or dates, not "
            "column names: a record seems to be on the header line (a lost line break after the header?)"
        )
    missing = [c for c in required if c.upper() not in seen]
    if missing:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " (the header is one name holding ';', tab or '|': the contract's files are comma-separated)"
        raise ExtractError(f"{path.name}: required column(s) missing: {', '.join(missing)}{hint}")

    blank_to_null = [
        pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).otherwise(None).alias(c)
        for c in required
    ]
    frame = (
        frame.rename(rename)
        .select(required)
        .with_columns(blank_to_null)
        .with_row_index(ROW_NUMBER, offset=1)
        .with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
        .select(*required, ROW_NUMBER)
    )
    blank_lines = int(blank.sum()) if blank is not None else 0
    if blank_lines:
        frame = frame.filter(~blank)
    return RawExtract(
        name=name,
        path=path,
        frame=frame,
        sha256=sha256,
        rows=frame.height,
        extra_columns=extra,
        blank_lines=blank_lines,
    )


def read_load_info(folder: Path) -> LoadInfo:
    """`load.json` of the folder: `{"load_date": "YYYY-MM-DD", "scope": "35.10"}`, both optional.

    Without the file, both are None (the run's date and everything present apply). A file that is
    not a JSON object, or carries a malformed date or scope, raises `ExtractError`.
    """
    path = Path(folder) / LOAD_INFO_FILE
    if path.exists() and not path.is_file():
        raise ExtractError(f"{path.name}: not a file (a folder?)")
    if not path.is_file():
        return LoadInfo(load_date=None, scope=None)
    try:
        content = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtractError(f"{path.name}: not valid UTF-8 JSON ({type(exc).__name__})") from None
    if not isinstance(content, dict):
        raise ExtractError(f"{path.name}: must be a JSON object")

    load_date = None
    raw_date = content.get("load_date")
    if raw_date is not None:
        if not isinstance(raw_date, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw_date):
            raise ExtractError(f"{path.name}: load_date must be a YYYY-MM-DD string")
        try:
            load_date = date.fromisoformat(raw_date)
        except ValueError:
            raise ExtractError(f"{path.name}: load_date is not a calendar date") from None

    scope = content.get("scope")
    if scope is not None:
        if not isinstance(scope, str):
            raise ExtractError(f"{path.name}: scope must be a string like \"35.10\"")
        parts = [p.strip() for p in re.split(r"[+,]", scope)]
        if not parts or not all(_SCOPE.match(p) for p in parts):
            raise ExtractError(
                f"{path.name}: scope must be regency codes PP.KK, several joined by '+'"
            )
        scope = "+".join(sorted(set(parts)))
    return LoadInfo(load_date=load_date, scope=scope)
