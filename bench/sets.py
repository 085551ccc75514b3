"""Where the benchmarks keep their generated sets.

A set is generated once and reused, under a folder named by its size, its seed and a fingerprint
of the generator (the sources of `synth/` and the region reference): a generator change gives
new folders, so a benchmark never measures a set the current generator would not make.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fingerprint(files: list[Path]) -> str:
    """Eight hex digits of the SHA-256 of the files' paths (in the project) and contents."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:8]


def generator_fingerprint() -> str:
    """The fingerprint of the generator's sources and reference data."""
    return _fingerprint(sorted((ROOT / "synth").glob("*.py")) + sorted((ROOT / "data" / "reference").glob("*")))


def sources_fingerprint(*folders: str) -> str:
    """The fingerprint of the Python sources under `folders` (of the project): what a benchmark
    derives from a set (validated frames, say) is kept under it, so that a change of the code
    that derives it is never measured on frames the code before it made."""
    return _fingerprint(sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")))


def set_dir(out: str | Path, persons: int, seed: int, prefix: str = "") -> Path:
    """The folder of one generated set (and what a benchmark derives from it)."""
    return Path(out) / f"{prefix}p{persons}_s{seed}_g{generator_fingerprint()}"
