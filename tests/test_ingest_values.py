"""Ingest, typing values: numbers, booleans, dates, scales, ids and percentages (with property tests)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from fixfirst.ingest import values as V


from .ingest_support import load, of_code, write_text, write_xlsx


# ---------------------------------------------------------------- property tests for values

# No example database in the checkout and no deadline: parsing cost varies with pandas' first call.
property_test = hsettings(database=None, deadline=None)
finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@property_test
@given(x=finite, symbol=st.sampled_from(["", "£", "$", "€"]), decimals=st.sampled_from([0, 2]), thousands=st.booleans())
def test_parse_number_round_trips_formatted_money(x, symbol, decimals, thousands):
    sign = "-" if x < 0 else ""
    body = f"{abs(x):{',' if thousands else ''}.{decimals}f}"
    text = f"{sign}{symbol}{body}"
    values, bad = V.parse_number(pd.Series([text, f" {text} "], dtype=object))
    expected = float(sign + body.replace(",", ""))
    assert not bad.any()
    assert values.tolist() == pytest.approx([expected, expected], abs=1e-9)


@property_test
@given(raw=st.lists(st.one_of(st.text(max_size=12), finite.map(str)), min_size=1, max_size=8))
def test_parse_number_accounts_for_every_cell(raw):
    series = pd.Series(raw, dtype=object)
    values, bad = V.parse_number(series)
    blank = V.blank_mask(series)
    # Every cell is exactly one of: a number, blank, or flagged as unreadable. Nothing disappears.
    assert ((values.notna().astype(int) + blank.astype(int) + bad.astype(int)) == 1).all()


def _any_case(draw_word):
    return st.tuples(draw_word, st.lists(st.booleans(), min_size=8, max_size=8)).map(
        lambda pair: "".join(c.upper() if up else c.lower() for c, up in zip(pair[0], pair[1] + [False] * len(pair[0]))))


@property_test
@given(word=_any_case(st.sampled_from(sorted(V.TRUE_WORDS))), pad=st.sampled_from(["", " ", "  "]))
def test_parse_bool_reads_every_true_spelling_in_any_case(word, pad):
    values, bad = V.parse_bool(pd.Series([pad + word + pad], dtype=object))
    assert values.tolist() == [True]
    assert not bad.any()


@property_test
@given(word=_any_case(st.sampled_from(sorted(V.FALSE_WORDS))))
def test_parse_bool_reads_every_false_spelling_in_any_case(word):
    values, bad = V.parse_bool(pd.Series([word], dtype=object))
    assert values.tolist() == [False]
    assert not bad.any()


def test_parse_bool_flags_unknown_words_and_passes_blanks():
    values, bad = V.parse_bool(pd.Series(["maybe", "n/a", None, "YES"], dtype=object))
    assert bad.tolist() == [True, False, False, False]
    assert values.isna().tolist() == [True, True, True, False]


stamps = st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 12, 31))


@property_test
@given(moments=st.lists(stamps, min_size=1, max_size=6), sep=st.sampled_from(["T", " "]), date_only=st.booleans())
def test_parse_datetime_round_trips_iso_strings(moments, sep, date_only):
    if date_only:
        moments = [dt.datetime(m.year, m.month, m.day) for m in moments]
        texts = [m.date().isoformat() for m in moments]
    else:
        texts = [m.isoformat(sep=sep) for m in moments]
    values, bad = V.parse_datetime(pd.Series(texts, dtype=object))
    assert not bad.any()
    assert values.tolist() == [pd.Timestamp(m) for m in moments]


# datetime64[ns] ends in April 2262 and a timedelta of days in 2192, so the round trip is checked up to 2191.
@property_test
@given(moment=st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2191, 12, 31)))
def test_parse_datetime_round_trips_excel_serial_numbers(moment):
    serial = (pd.Timestamp(moment) - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
    values, bad = V.parse_datetime(pd.Series([serial], dtype="float64"))
    assert not bad.any()
    assert abs(values.iloc[0] - pd.Timestamp(moment)) < pd.Timedelta(milliseconds=1)


# Text serials are only tried from 20000 (1954-10-03); above 100099 (2174) pandas reads six digits as a date.
@property_test
@given(day=st.dates(min_value=dt.date(1954, 10, 3), max_value=dt.date(2173, 12, 31)), noon=st.booleans())
def test_parse_datetime_reads_excel_serials_saved_as_text(day, noon):
    serial = (pd.Timestamp(day) - pd.Timestamp("1899-12-30")).days + (0.5 if noon else 0)
    values, bad = V.parse_datetime(pd.Series([str(serial)], dtype=object))
    assert not bad.any()
    assert values.iloc[0] == pd.Timestamp(day) + pd.Timedelta(hours=12 if noon else 0)


def test_known_excel_serials():
    values, bad = V.parse_datetime(pd.Series([45383.5, 61.0, 0.0]))
    assert values.iloc[0] == pd.Timestamp("2024-04-01 12:00") and values.iloc[1] == pd.Timestamp("1900-03-01")
    assert bad.tolist() == [False, False, True]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_six_digit_number_in_a_date_column_is_flagged_not_a_crash(tmp_path, fmt):
    if fmt == "csv":
        path = write_text(tmp_path / "orders.csv", ["order_id,ordered_at", "A1,2024-01-02", "A2,202401"])
    else:
        path = write_xlsx(tmp_path / "orders.xlsx", [["order_id", "ordered_at"], ["A1", 45293], ["A2", 202401]])
    table, problems = load("orders", path)
    assert [p.row for p in of_code(problems, "value.unreadable")] == [3]
    assert table.frame["order_id"].tolist() == ["A1"]


def test_parse_datetime_converts_offsets_to_utc():
    values, bad = V.parse_datetime(pd.Series(["2015-02-24 11:35:52 -0800", "2024-06-01T10:00:00+01:00"], dtype=object))
    assert values.tolist() == [pd.Timestamp("2015-02-24 19:35:52"), pd.Timestamp("2024-06-01 09:00")]


@property_test
@given(raw=st.lists(st.one_of(st.integers(-50, 50).map(str), finite.map(str), st.sampled_from(sorted(V.RATING_LABELS)),
                              st.text(max_size=6)), min_size=1, max_size=10),
       scale=st.sampled_from([(1, 5), (0, 10), (1, 7), (2, 5)]))
def test_parse_scale_never_returns_values_outside_the_scale(raw, scale):
    low, high = scale
    values, unreadable, out = V.parse_scale(pd.Series(raw, dtype=object), low, high)
    assert values.dropna().between(low, high).all()
    assert not (values.notna() & (unreadable | out)).any()


@property_test
@given(raw=st.lists(st.one_of(finite, st.just(float("inf")), st.just(float("nan"))), min_size=1, max_size=10))
def test_parse_scale_on_numeric_columns_never_leaves_the_scale(raw):
    values, _, out = V.parse_scale(pd.Series(raw, dtype="float64"), 0, 10)
    assert values.dropna().between(0, 10).all()
    assert out.sum() == sum(1 for x in raw if not math.isnan(x) and not 0 <= x <= 10)


@hsettings(max_examples=30, database=None, deadline=None)
@given(ids=st.lists(st.integers(1, 10**12), min_size=1, max_size=5))
def test_parse_id_drops_the_float_tail_of_whole_numbers(ids):
    values, _ = V.parse_id(pd.Series(ids, dtype="float64"))
    assert values.tolist() == [str(i) for i in ids]


def test_parse_percent_reads_signs_fractions_and_whole_numbers():
    values, bad = V.parse_percent(pd.Series(["60%", "60", "0.6", "12.5 %", "n/a"], dtype=object))
    assert values.tolist()[:4] == pytest.approx([0.6, 0.6, 0.6, 0.125])
    assert np.isnan(values.iloc[4]) and not bad.any()


def test_percent_cells_from_excel_are_fractions_and_text_percent_is_divided():
    from fixfirst.ingest.values import parse_percent

    cells, _ = parse_percent(pd.Series([2.0, 0.6, 60.0], dtype="float64"))  # 200% and 60% as Excel stores them; 60 typed plainly
    assert cells.tolist() == pytest.approx([2.0, 0.6, 0.6])
    text, _ = parse_percent(pd.Series(["200%", "60", "0.6", "45 %"], dtype="object"))
    assert text.tolist() == pytest.approx([2.0, 0.6, 0.6, 0.45])
