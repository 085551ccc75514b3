"""`python -m synth --persons N --seed S --out DIR [--districts 35.10.15,35.10.12] [--load-date YYYY-MM-DD]`"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from synth.generate import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="synth", description="Write a synthetic extract folder with ground truth.")
    ap.add_argument("--persons", type=int, required=True, help="number of registry persons")
    ap.add_argument("--seed", type=int, required=True, help="random seed (same seed, same files)")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--districts", default=None,
                    help="comma-separated district codes, e.g. 35.10.15,35.10.12 (default: all of 35.10)")
    ap.add_argument("--load-date", type=date.fromisoformat, default=date(2026, 11, 1), help="YYYY-MM-DD")
    a = ap.parse_args(argv)
    districts = [d.strip() for d in a.districts.split(",") if d.strip()] if a.districts else None
    summary = generate(a.persons, a.seed, a.out, districts=districts, load_date=a.load_date)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
