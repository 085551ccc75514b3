"""The log a load writes to the terminal (`perlinsos load`, the benches, the tests).

Dagster's events, with every run of 16 digits masked as the exports mask NIKs
(an unexpected error's message may quote a value), and a failed step's stack trace, and a line for
each step left undone after it, only when asked for (`perlinsos load -v`): without them, the
error's own lines say what failed and where.
"""

from __future__ import annotations

import logging
import sys

import dagster as dg

from assets.publishing.explain import mask_text

STACK_TRACE = "\n\nStack Trace:"  # where Dagster's message of a failed step starts its trace
SKIPPED = "Not executing."  # Dagster's line for each step after a failed one (one per step)


class _Tidy(logging.Filter):
    def __init__(self, stack_traces: bool) -> None:
        super().__init__()
        self.stack_traces = stack_traces

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not self.stack_traces:
            if message.rstrip().endswith(SKIPPED):
                return False  # the steps left undone: the failed one says why
            message = message.split(STACK_TRACE, 1)[0].rstrip()
        record.msg, record.args = mask_text(message), ()
        return True


@dg.logger(
    config_schema={
        "log_level": dg.Field(str, is_required=False, default_value="WARNING"),
        "stack_traces": dg.Field(bool, is_required=False, default_value=False),
    },
    description="Dagster's events on stderr, 16-digit runs masked, stack traces only when asked for.",
)
def plain_logger(init_context) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger("perlinsos", level=config["log_level"].upper())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s - %(levelname)s - %(message)s"))
    handler.addFilter(_Tidy(config["stack_traces"]))
    logger.addHandler(handler)
    return logger
