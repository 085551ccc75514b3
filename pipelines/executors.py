"""The executor of the `load` job, chosen by configuration (PERLINSOS_EXECUTOR).

- `in_process` (default): every step in the run's own process. Fastest for the loads one machine
  holds: no per-step process start and import of polars, DuckDB and Dagster.
- `multiprocess`: every step in its own child process on the same machine.
- `celery`: every step a Celery task, run by `dagster-celery` workers anywhere that reach the
  broker, the Dagster instance and the work directory (docs/operations.md). Needs the optional
  extra `pip install -e ".[celery]"`. Broker, backend and Celery settings come from the YAML file
  named by PERLINSOS_CELERY_CONFIG (the `execution.config` block that the workers are started
  with: `dagster-celery worker start -y FILE`), else from each run's `execution.config`.
"""

from __future__ import annotations

import os

import dagster as dg

ENV_EXECUTOR = "PERLINSOS_EXECUTOR"
ENV_CELERY_CONFIG = "PERLINSOS_CELERY_CONFIG"
EXECUTOR_NAMES = ("in_process", "multiprocess", "celery")
DEFAULT_EXECUTOR = "in_process"


class ExecutorConfigError(ValueError):
    """PERLINSOS_EXECUTOR names no known executor, or the celery extra is not installed."""


def executor_name_from_env() -> str:
    name = (os.environ.get(ENV_EXECUTOR) or DEFAULT_EXECUTOR).strip().lower().replace("-", "_")
    if name not in EXECUTOR_NAMES:
        raise ExecutorConfigError(
            f"{ENV_EXECUTOR}={name!r} is not one of {', '.join(EXECUTOR_NAMES)}"
        )
    return name


def celery_executor_def() -> dg.ExecutorDefinition:
    """dagster-celery's executor, configured from PERLINSOS_CELERY_CONFIG when it is set."""
    try:
        from dagster_celery import celery_executor
    except ImportError as exc:  # the optional extra is missing
        raise ExecutorConfigError(
            f'{ENV_EXECUTOR}=celery needs dagster-celery: pip install -e ".[celery]"'
        ) from exc
    path = os.environ.get(ENV_CELERY_CONFIG)
    if not path:
        return celery_executor
    import yaml

    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    config = (doc.get("execution") or {}).get("config") if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        raise ExecutorConfigError(f"{ENV_CELERY_CONFIG}={path}: no execution.config block")
    return celery_executor.configured(config)


def executor_def(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor named `name` (default: PERLINSOS_EXECUTOR, else in_process)."""
    name = name or executor_name_from_env()
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "celery":
        return celery_executor_def()
    raise ExecutorConfigError(f"unknown executor {name!r}; one of {', '.join(EXECUTOR_NAMES)}")
