"""Every test starts from a clean environment: no Dagster run history and no PERLINSOS_* paths
from the shell that runs the suite (a test that needs them sets its own). Session-scoped, so that
module-scoped fixtures that run loads see the clean environment too."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment():
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name == "DAGSTER_HOME" or name.startswith("PERLINSOS_"):
                mp.delenv(name)
        yield
