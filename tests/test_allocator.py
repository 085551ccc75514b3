"""The allocator setting of `pipelines/__init__.py` reaches Polars' allocator, and yields to the
environment's own. Each case runs a fresh interpreter: the allocator reads its setting once, when
Polars loads; `stats_print` makes it print the options it took when the interpreter exits."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pipelines

ROOT = Path(__file__).resolve().parents[1]


def _allocator_options(code: str, env_value: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != pipelines.ALLOCATOR_ENV}
    if env_value is not None:
        env[pipelines.ALLOCATOR_ENV] = env_value
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return dict(re.findall(r"^\s*opt\.(\w+): (\S+)", run.stderr, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def polars_default() -> dict[str, str]:
    """Polars alone, without the package: its own setting (and whether it uses jemalloc here)."""
    options = _allocator_options("import polars\n", "stats_print:true")
    if "dirty_decay_ms" not in options:
        pytest.skip("Polars on this platform does not use jemalloc")
    return options


def test_the_setting_reaches_polars_allocator(polars_default):
    # what every entry point does: the package first, Polars after (here with stats printed)
    code = ("import os, pipelines\n"
            f"os.environ[{pipelines.ALLOCATOR_ENV!r}] += ',stats_print:true'\n"
            "import polars as pl\n"
            "pl.DataFrame({'a': [1]})\n")
    options = _allocator_options(code, None)
    wanted = dict(part.split(":") for part in pipelines.ALLOCATOR_CONF.split(","))
    assert wanted == {"dirty_decay_ms": "3000", "muzzy_decay_ms": "0"}
    assert polars_default["dirty_decay_ms"] != wanted["dirty_decay_ms"]  # else this proves nothing
    for name, value in wanted.items():
        assert options.get(name) == value, (name, options.get(name))


def test_the_environment_wins_over_the_setting(polars_default):
    options = _allocator_options("import pipelines.definitions\n", "dirty_decay_ms:700,stats_print:true")
    assert options.get("dirty_decay_ms") == "700"
    # nothing of the package's setting is mixed in: the rest is Polars' own
    assert options.get("muzzy_decay_ms") == polars_default["muzzy_decay_ms"]
