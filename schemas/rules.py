"""The quarantine vocabulary: every rule a source row can break, and what the load does about it.

These names are the contract between validation (which writes quarantine rows), the synthetic
generator (whose truth records which rule each piece of planted dirt must trigger) and the
analysts, who read them in `mart.quarantine.rule`. Add rules here; never rename one.
"""

from __future__ import annotations

# --- actions (mart.quarantine.action) ---------------------------------------------------------
ROW_REJECTED = "ROW_REJECTED"  # the row is out of the load
VALUE_DROPPED = "VALUE_DROPPED"  # the value is treated as missing, the row flows on
FLAGGED = "FLAGGED"  # a warning; the row flows on unchanged

ACTIONS = (ROW_REJECTED, VALUE_DROPPED, FLAGGED)

# --- rules (mart.quarantine.rule) ---------------------------------------------------------------
# Identifiers
NIK_MISSING = "NIK_MISSING"  # empty NIK where one is required (penduduk)
NIK_SCIENTIFIC = "NIK_SCIENTIFIC"  # 3.51012E+15: digits lost by a spreadsheet, cannot be recovered
NIK_LENGTH = "NIK_LENGTH"  # not 16 digits after cleaning
NIK_NOT_DIGITS = "NIK_NOT_DIGITS"  # letters or other characters after cleaning
NIK_BAD_DATE = "NIK_BAD_DATE"  # day 0 or > 31 after removing 40, month 0 or > 12
NIK_SERIAL_ZERO = "NIK_SERIAL_ZERO"  # serial 0000
NIK_UNKNOWN_PROVINCE = "NIK_UNKNOWN_PROVINCE"  # first two digits not a Kemendagri province
NIK_DATE_MISMATCH = "NIK_DATE_MISMATCH"  # NIK date/sex part disagrees with TGL_LHR/JENIS_KLMIN (FLAGGED)
NO_KK_INVALID = "NO_KK_INVALID"  # family card number not 16 digits
NIB_INVALID = "NIB_INVALID"  # parcel id not 14 digits
KEY_MISSING = "KEY_MISSING"  # the record's identifier (NIB, NO_RANGKA, NO_KK) is empty

# Duplicates
DUPLICATE_IDENTICAL = "DUPLICATE_IDENTICAL"  # a second identical row: one copy kept, this one out
SURVEY_SUPERSEDED = "SURVEY_SUPERSEDED"  # rumah: an earlier survey of a NO_KK surveyed again later
DUPLICATE_CONFLICT = "DUPLICATE_CONFLICT"  # same key, conflicting fields: every copy rejected
REGION_NAME_CONFLICT = "REGION_NAME_CONFLICT"  # a wilayah code with two names: the first kept (FLAGGED)

# Values
REQUIRED_MISSING = "REQUIRED_MISSING"  # an empty field that the contract requires
LINE_BREAK_IN_FIELD = "LINE_BREAK_IN_FIELD"  # free text holding a line break: a quote left open may have swallowed rows (FLAGGED)
DATE_UNPARSEABLE = "DATE_UNPARSEABLE"  # not YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY
DATE_IMPOSSIBLE = "DATE_IMPOSSIBLE"  # e.g. 31-02-2001, or before 1900
DATE_IN_FUTURE = "DATE_IN_FUTURE"  # after the load date
DATE_INCONSISTENT = "DATE_INCONSISTENT"  # e.g. TGL_STATUS present for HIDUP, missing for MATI/PINDAH
NUMBER_UNPARSEABLE = "NUMBER_UNPARSEABLE"  # not a number even with Indonesian separators
NOT_POSITIVE = "NOT_POSITIVE"  # zero or negative area or value
NUMBER_TOO_LARGE = "NUMBER_TOO_LARGE"  # an area or amount beyond any record's (schemas.models.MAX_*)
UNKNOWN_CODE = "UNKNOWN_CODE"  # a category label still unknown after normalising case and spaces
UNKNOWN_REGION = "UNKNOWN_REGION"  # KODE_WILAYAH inside the scope but not in wilayah.csv, or malformed
OUT_OF_SCOPE_REGION = "OUT_OF_SCOPE_REGION"  # asset record registered outside the load's scope (FLAGGED)

# File level (row_number null)
EXTRA_COLUMN = "EXTRA_COLUMN"  # a column the contract does not name: ignored (FLAGGED)

RULES = (
    NIK_MISSING,
    NIK_SCIENTIFIC,
    NIK_LENGTH,
    NIK_NOT_DIGITS,
    NIK_BAD_DATE,
    NIK_SERIAL_ZERO,
    NIK_UNKNOWN_PROVINCE,
    NIK_DATE_MISMATCH,
    NO_KK_INVALID,
    NIB_INVALID,
    KEY_MISSING,
    DUPLICATE_IDENTICAL,
    DUPLICATE_CONFLICT,
    SURVEY_SUPERSEDED,
    REGION_NAME_CONFLICT,
    REQUIRED_MISSING,
    LINE_BREAK_IN_FIELD,
    DATE_UNPARSEABLE,
    DATE_IMPOSSIBLE,
    DATE_IN_FUTURE,
    DATE_INCONSISTENT,
    NUMBER_UNPARSEABLE,
    NOT_POSITIVE,
    NUMBER_TOO_LARGE,
    UNKNOWN_CODE,
    UNKNOWN_REGION,
    OUT_OF_SCOPE_REGION,
    EXTRA_COLUMN,
)

# The columns of a quarantine frame, in order (mart.quarantine adds load_id in front and
# policy_version at the end).
QUARANTINE_COLUMNS = ("source", "row_number", "record_id", "column", "rule", "value", "action")
