"""Numbers in the Indonesian texts a family is shown (assets/text.py)."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assets.text import number_text

SHAPE = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d?[1-9])?$")


def _text(values: list, dtype: pl.DataType = pl.Float64) -> list:
    return pl.select(number_text(pl.Series("x", values, dtype=dtype))).to_series().to_list()


@pytest.mark.parametrize("value,text", [
    (490_914_000, "490.914.000"), (18_182, "18.182"), (27_000, "27.000"), (999, "999"), (1000, "1.000"),
    (0, "0"), (17.0, "17"), (11.5, "11,5"), (1253.35, "1.253,35"), (0.05, "0,05"), (-1234.5, "-1.234,5"),
])
def test_examples(value, text):
    assert _text([value]) == [text]


def test_integers_and_nulls():
    assert _text([490_914_000, None, 5], pl.Int64) == ["490.914.000", None, "5"]


def test_what_is_not_a_finite_number_has_no_text():
    assert _text([float("nan"), float("inf"), float("-inf"), 1.5]) == [None, None, None, "1,5"]


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_reads_back_as_the_number_to_the_cent(x):
    (text,) = _text([x])
    assert SHAPE.match(text), text
    back = float(text.replace(".", "").replace(",", "."))
    assert abs(back - x) <= 0.005 + 1e-9 * max(1.0, abs(x))


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_whole_numbers_group_their_digits_by_three(n):
    (text,) = _text([n], pl.Int64)
    assert text.replace(".", "") == str(n)
    assert all(len(group) == 3 for group in text.split(".")[1:])
