"""docs/contract/ holds the contract as the ministry wrote it; where the project sits beside the
ministry's own copy (`../shared/spec/`), the two must be the same text."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THEIRS = ROOT.parent / "shared" / "spec"


@pytest.mark.parametrize("name", ["extracts.md", "policy.md", "outputs.md"])
def test_the_contract_in_docs_is_the_ministrys(name):
    ours = ROOT / "docs" / "contract" / name
    assert ours.read_text(encoding="utf-8").strip(), name
    if not (THEIRS / name).exists():
        pytest.skip("no ministry copy beside the project")
    assert ours.read_bytes() == (THEIRS / name).read_bytes(), f"docs/contract/{name} differs from the contract"
