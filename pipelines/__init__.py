"""The Dagster code location of Perlinsos (`pipelines.definitions`) and the `perlinsos` command.

Importing this package sets how Polars' memory allocator (jemalloc) hands memory back to the
system, before anything imports Polars: every way in (the command, the code location, the
processes Dagster starts for runs and steps) passes through here first. Polars' own setting
returns freed pages after half a second and keeps them counted a second longer; a load frees and
takes back gigabytes per step, and giving pages back then faulting them in again was a fifth of
its CPU time. Kept three seconds, and returned at once when they are: at 1,700,000 persons a
few percent less time for up to a few hundred MB more at the peak, though slower in the slowest
hour of a shared machine (docs/architecture.md, "Memory allocator"). Polars adds
`_RJEM_MALLOC_CONF` of the environment after its own setting when it is imported, so what is set
here wins over Polars' setting, and a value already in the environment wins over this one.
"""

import os

ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
ALLOCATOR_CONF = "dirty_decay_ms:3000,muzzy_decay_ms:0"

os.environ.setdefault(ALLOCATOR_ENV, ALLOCATOR_CONF)
