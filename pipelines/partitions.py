"""Partitions by regency: the per-regency half of a load as independent runs (docs/operations.md §7).

Keys are Kemendagri regency codes (`35.10`). They are dynamic: the landing sensor adds the
regencies of every complete folder it sees, an operator can add more in the UI (or
`regency_keys_of_folder` + `DagsterInstance.add_dynamic_partitions`), and `perlinsos load
--by-regency` adds those of the folder it loads. Static keys from `data/reference` would list only the regencies
the reference happens to hold, and would change the code location for every new reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import dagster as dg

from pipelines.resources import RegencyParts

REGENCY_PARTITIONS = "regency"
regencies = dg.DynamicPartitionsDefinition(name=REGENCY_PARTITIONS)

# A province is a backfill of one run per regency, run side by side by the run queue.
REGENCY_BACKFILL = dg.BackfillPolicy.multi_run(1)

# Whole-scope steps read every materialised regency and keep those of their load's scope.
ALL_REGENCIES = dg.AllPartitionMapping()


def whole_scope(value, load_info: dict, union: Callable[[Mapping, Sequence[str], str], object], what: str):
    """A partitioned asset's value for a whole-scope step: the frame a run over the whole folder
    wrote as it is, or the scope's regencies (a dict from the IO manager) put back together."""
    if isinstance(value, RegencyParts):
        return union(value, load_info["regencies"], what)
    return value


def regency_keys_of_folder(folder: str | Path) -> list[str]:
    """The regencies of an extract folder's scope: `load.json`'s `scope`, else every regency its
    `wilayah` lists, by a row of its own or of one of its districts or villages (the rule of the
    `load_info` asset: `reference_regencies` of the validated reference)."""
    from assets.ingest.read import read_extract, read_load_info
    from assets.validation.validate import reference_regencies, validate_wilayah

    info = read_load_info(Path(folder))
    if info.scope_codes:
        return info.scope_codes
    return reference_regencies(validate_wilayah(read_extract(Path(folder), "wilayah")).frame)
