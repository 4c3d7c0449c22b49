"""Turn raw cell values into typed columns, marking each non-empty cell that cannot be read."""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pandas as pd
from pandas.api.extensions import take

# Excel shows these in cells whose formula failed; they mean "no value", not bad data.
EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!", "#CALC!"}
MISSING_WORDS = {"", "na", "n/a", "nan", "none", "null", "-", "--", "nat"}
TRUE_WORDS = {"yes", "y", "true", "t", "1", "1.0", "x", "ja", "sim", "oui", "si", "satisfied"}
# Two-class satisfaction labels (the airline survey's "neutral or dissatisfied") read as a yes/no outcome.
FALSE_WORDS = {"no", "n", "false", "f", "0", "0.0", "nein", "nao", "não", "non",
               "neutral or dissatisfied", "dissatisfied", "unsatisfied", "not satisfied"}
RATING_LABELS = {
    "very dissatisfied": 1, "dissatisfied": 2, "neutral": 3, "neither satisfied nor dissatisfied": 3,
    "satisfied": 4, "very satisfied": 5, "very poor": 1, "poor": 2, "fair": 3, "average": 3, "good": 4,
    "very good": 4, "excellent": 5, "strongly disagree": 1, "disagree": 2, "agree": 4, "strongly agree": 5,
}
# The 7-point agreement scale of the Customer Effort Score ("The company made it easy for me to ...").
AGREE7_LABELS = {
    "strongly disagree": 1, "disagree": 2, "somewhat disagree": 3, "neither agree nor disagree": 4, "neutral": 4,
    "somewhat agree": 5, "agree": 6, "strongly agree": 7,
}
# 1899-12-30 is Excel's day zero (it keeps Lotus 1-2-3's leap-year bug).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serials past 2262-04-11 do not fit datetime64[ns]; a number that large in a date column is not a date.
MAX_SERIAL = 106_750
_MONEY_JUNK = re.compile(r"[£$€¥₹\s\u00a0]|(?<=\d)[,'](?=\d{3}(?:\D|$))|^(?:gbp|usd|eur|r\$)|(?:gbp|usd|eur)$", re.IGNORECASE)


def per_distinct_value(parse):
    """Run a parser on a categorical column's distinct values only, then spread the results by its codes.

    The fast CSV reader hands text over dictionary-encoded; a column of five million cells with six
    distinct values is then cleaned six times, not five million.
    """

    @functools.wraps(parse)
    def wrapper(raw: pd.Series, *args, **kwargs):
        if not isinstance(raw.dtype, pd.CategoricalDtype):
            return parse(raw, *args, **kwargs)
        codes = raw.cat.codes.to_numpy()
        distinct = pd.Series(np.asarray(raw.cat.categories, dtype=object), dtype=object)
        results = parse(distinct, *args, **kwargs)
        parts = results if isinstance(results, tuple) else (results,)
        first = parts[0]
        if (pd.api.types.is_string_dtype(first.dtype) or first.dtype == object) and first.notna().all() \
                and list(first) == list(distinct):
            # Already clean text: the column itself is the answer; only the flags need laying out.
            spread = (raw, *(_spread(r, codes, raw.index) for r in parts[1:]))
        else:
            spread = tuple(_spread(r, codes, raw.index) for r in parts)
        return spread if isinstance(results, tuple) else spread[0]

    return wrapper


def _spread(result: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-distinct-value results laid out per cell; a missing cell (code -1) is blank, never flagged."""
    if pd.api.types.is_bool_dtype(result.dtype) and not isinstance(result.dtype, pd.BooleanDtype):
        flags = result.to_numpy(dtype=bool)
        if not flags.any():  # the usual answer to "is anything wrong here?"
            return pd.Series(np.zeros(len(codes), dtype=bool), index=index)
        return pd.Series(take(flags, codes, allow_fill=True, fill_value=False), index=index)
    if pd.api.types.is_string_dtype(result.dtype) or result.dtype == object:
        # Text stays categorical: cleaned distinct values, one code per cell.
        new_codes, uniques = pd.factorize(result)
        cell_codes = np.where(codes < 0, -1, new_codes[np.where(codes < 0, 0, codes)])
        return pd.Series(pd.Categorical.from_codes(cell_codes, categories=pd.Index(uniques, dtype=object)), index=index)
    return pd.Series(take(result.array, codes, allow_fill=True), index=index)


def blank_mask(raw: pd.Series) -> pd.Series:
    """Cells that hold no value: empty, whitespace, 'n/a'-like words or Excel error codes."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        codes = raw.cat.codes.to_numpy()
        distinct = blank_mask(pd.Series(np.asarray(raw.cat.categories, dtype=object), dtype=object)).to_numpy(dtype=bool)
        return pd.Series(np.where(codes < 0, True, distinct[np.maximum(codes, 0)]) if len(distinct) else codes < 0, index=raw.index)
    arrow = _arrow_text(raw)
    if arrow is not None:
        return pd.Series(_arrow_blank(arrow).to_numpy(), index=raw.index)
    if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype):
        text = raw.astype("string").str.strip()
        return raw.isna() | text.str.lower().isin(MISSING_WORDS).fillna(True) | text.isin(EXCEL_ERRORS).fillna(False)
    return raw.isna()


def _as_text(raw: pd.Series) -> pd.Series:
    return raw.astype("string").str.strip()


# Text that fastexcel and pyarrow read arrives as Arrow strings ("str" in pandas 3). On a million cells, pandas'
# string methods cost several times the Arrow kernels they call (conversions, NA fills and aligned masks around
# each step), so the text parsers run those kernels directly: the same trimming (utf8_trim_whitespace) and the
# same word lists, hence the same results. A missing word is matched in every spelling of its case at once
# rather than by lower-casing the whole column first: the words are ASCII, and only ASCII letters lower-case to
# their letters (of the other letters that lower-case to ASCII, U+0130 gives "i" and U+212A "k", in no word).

def _arrow_text(raw: pd.Series):
    """The Arrow strings behind a pyarrow-backed text column (no copy), else None."""
    if isinstance(raw.array, pd.arrays.ArrowStringArray):
        return raw.array.__arrow_array__()  # the column's ChunkedArray itself
    return None


def _every_case(word: str) -> set[str]:
    """'n/a' -> {'n/a', 'N/a', 'n/A', 'N/A'}."""
    spellings = {""}
    for char in word:
        spellings = {s + c for s in spellings for c in {char.lower(), char.upper()}}
    return spellings


@functools.cache
def _word_sets():
    import pyarrow as pa

    blank = {s for w in MISSING_WORDS for s in _every_case(w)} | EXCEL_ERRORS
    return {name: pa.array(sorted(words), pa.large_string()) for name, words in
            (("blank", blank), ("true", TRUE_WORDS), ("false", FALSE_WORDS))}


def _arrow_blank(text, trimmed=None):
    """Per cell: missing, or (once trimmed) a missing word in any case or an Excel error."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(text) if trimmed is None else trimmed
    return pc.or_(pc.is_null(text), pc.is_in(trimmed, value_set=_word_sets()["blank"]))


def _arrow_clean_text(raw: pd.Series, text) -> tuple[pd.Series, pd.Series]:
    """Trimmed text with blank cells missing, as pandas' "string" dtype (what `_as_text(raw).where(~blank)` gives)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(text)
    blank = _arrow_blank(text, trimmed)
    if pc.sum(blank, min_count=0).as_py() > text.null_count:  # blank words or white space left to blank out, not only missing cells
        trimmed = pc.if_else(blank, pa.scalar(None, trimmed.type), trimmed)
    values = pd.Series(pd.arrays.ArrowStringArray(trimmed), index=raw.index)
    return values, pd.Series(False, index=raw.index)


@per_distinct_value
def parse_number(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, accepting currency symbols, thousands separators and trailing % (kept as written)."""
    blank = blank_mask(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        return values, pd.Series(False, index=raw.index)
    text = _as_text(raw).str.replace(_MONEY_JUNK, "", regex=True).str.rstrip("%")
    # A decimal comma ("42,50") when no dot is present: common in European exports.
    text = text.where(~text.str.fullmatch(r"-?\d+,\d{1,2}").fillna(False), text.str.replace(",", ".", regex=False))
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = values.isna() & ~blank
    return values.where(~blank), bad




@per_distinct_value
def parse_percent(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Percentages as fractions. Text: '60%' and '60' mean 0.6, '0.6' stays 0.6. Numbers: a percent-formatted
    Excel cell already holds the fraction (200% is 2.0), so only numbers above 10 are taken as written in percent."""
    values, bad = parse_number(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return values.where(values <= 10, values / 100.0), bad
    had_sign = _as_text(raw).str.endswith("%").fillna(False)
    values = values.where(~(had_sign | (values > 1.5)), values / 100.0)
    return values, bad


@per_distinct_value
def parse_bool(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean"), pd.Series(False, index=raw.index)
    arrow = _arrow_text(raw)
    if arrow is not None:
        return _arrow_bool(raw, arrow)
    blank = blank_mask(raw)
    text = _as_text(raw).str.lower()
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values[text.isin(TRUE_WORDS).fillna(False)] = True
    values[text.isin(FALSE_WORDS).fillna(False)] = False
    bad = values.isna() & ~blank
    return values, bad


def _arrow_bool(raw: pd.Series, text) -> tuple[pd.Series, pd.Series]:
    import pyarrow.compute as pc

    words = _word_sets()
    trimmed = pc.utf8_trim_whitespace(text)
    lower = pc.utf8_lower(trimmed)
    true = pc.is_in(lower, value_set=words["true"]).fill_null(False).to_numpy(zero_copy_only=False)
    false = pc.is_in(lower, value_set=words["false"]).fill_null(False).to_numpy(zero_copy_only=False)
    read = true | false
    values = pd.Series(pd.arrays.BooleanArray(true, ~read), index=raw.index)
    bad = ~read & ~_arrow_blank(text, trimmed).to_numpy(zero_copy_only=False)
    return values, pd.Series(bad, index=raw.index)


# A UTC offset or zone letter at the end of a date-time text: "2026-06-01T14:30+01:00", "...Z", "... UTC".
# Kept within what pyarrow's RE2 runs natively (`\s` would send pandas to a per-cell Python loop).
OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2}| ?(?:UTC|GMT))$"


# No \s or \b: they push pandas off pyarrow's RE2 onto a per-cell Python loop.
_SLASHED = r"^ *(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:[^0-9]|$)"
_SLASHED_TEST = r"^ *\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:[^0-9]|$)"


def date_order_evidence(raw: pd.Series) -> tuple[int, int, int] | None:
    """For text dates written nn/nn/yyyy: (rows proving day-first, rows proving month-first, ambiguous rows).

    None when the column holds no such dates (real Excel dates, ISO text, serial numbers). A categorical
    column is judged on its distinct values.
    """
    raw = _distinct(raw)
    if pd.api.types.is_datetime64_any_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        return None
    text = _as_text(raw)
    slashed = text.str.contains(_SLASHED_TEST, regex=True).fillna(False)
    if not slashed.any():
        return None
    parts = text[slashed].str.extract(_SLASHED)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    present = first.notna() & second.notna()
    day_first = int((first > 12).sum())
    month_first = int((second > 12).sum())
    ambiguous = int((present & (first <= 12) & (second <= 12) & (first != second)).sum())
    return day_first, month_first, ambiguous


def _distinct(raw: pd.Series) -> pd.Series:
    """A categorical column's distinct values, any other column as it is: enough for yes/no questions about it."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        return pd.Series(np.asarray(raw.cat.categories, dtype=object), dtype=object)
    return raw


def has_offsets(raw: pd.Series) -> bool:
    """Whether a column carries time-zone information (aware datetimes, or text with offsets)."""
    raw = _distinct(raw)
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        return getattr(raw.dt, "tz", None) is not None
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return False
    return bool(_as_text(raw).str.contains(OFFSET, regex=True).fillna(False).any())


@per_distinct_value
def parse_datetime(raw: pd.Series, dayfirst: bool = False, timezone: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Datetimes from Excel datetimes, Excel serial numbers, or text in ISO or local formats.

    Values that carry a UTC offset are converted to `timezone` (the business's local clock, so that cut-offs
    and working days are judged as the business lives them; UTC when not given) and stored without a zone;
    values without one are taken as local time already.
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        values = raw
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert(timezone or "UTC").dt.tz_localize(None)
        return _within_range(values), pd.Series(False, index=raw.index)
    blank = blank_mask(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        serial = pd.to_numeric(raw, errors="coerce")
        ok = serial.between(1, MAX_SERIAL)
        values = (EXCEL_EPOCH + pd.to_timedelta(serial.where(ok), unit="D")).astype("datetime64[ns]")
        return values, ~ok & ~blank
    text = _as_text(raw).where(~blank)
    # Results are filled by position: index-aligned assignment costs more than the parsing on millions of rows.
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    # Plain numbers are Excel serials (below), never free-form dates; 8 digits may be a compact ISO date.
    numeric = (text.str.fullmatch(r"\d+(?:\.\d+)?").fillna(False) & ~text.str.fullmatch(r"\d{8}").fillna(False)).to_numpy(dtype=bool)
    present = text.notna().to_numpy(dtype=bool)
    # Without a business zone, reading as UTC already gives the right values: offsets convert to UTC and
    # naive text keeps its wall time; only with a zone must offset-bearing cells be told apart.
    aware = text.str.contains(OFFSET, regex=True).fillna(False).to_numpy(dtype=bool) if timezone else None
    pending = np.flatnonzero(present & ~numeric)
    for fmt in ("ISO8601", "mixed"):
        if not len(pending):
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(text.iloc[pending], format=fmt, dayfirst=dayfirst, errors="coerce", utc=True)
        wall = parsed.dt.tz_localize(None)  # naive text was read as UTC: its wall time is already local
        if aware is not None:
            wall = wall.where(~aware[pending], parsed.dt.tz_convert(timezone).dt.tz_localize(None))
        got = _within_range(wall).to_numpy(dtype="datetime64[ns]")
        ok = ~np.isnat(got)
        out[pending[ok]] = got[ok]
        pending = pending[~ok]
    # Serial numbers that arrived as text ("45383.5") from a CSV saved out of Excel.
    serials = np.flatnonzero(numeric & present)
    if len(serials):
        serial = pd.to_numeric(text.iloc[serials], errors="coerce").to_numpy(dtype=float)
        ok = (serial >= 20_000) & (serial <= MAX_SERIAL)
        out[serials[ok]] = (EXCEL_EPOCH + pd.to_timedelta(serial[ok], unit="D")).to_numpy(dtype="datetime64[ns]")
    values = pd.Series(out, index=raw.index)
    bad = values.isna() & ~blank
    return values, bad


def instants(raw: pd.Series, local: pd.Series, dayfirst: bool, timezone: str) -> pd.Series:
    """The absolute times (UTC, stored without a zone) of a column that `parse_datetime` read on the business's clock.

    Local wall times are what cut-offs and working days need, but across a clock change two wall times are an hour
    nearer or further apart than the time that passed: durations are taken from these instants instead. A cell
    with a UTC offset is exact; a cell without one is placed on the business's clock (in the repeated hour of
    autumn, the first of the two; a wall time skipped in spring moves forward).
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype) and getattr(raw.dt, "tz", None) is not None:
        return raw.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    placed = local.dt.tz_localize(timezone, ambiguous=np.ones(len(local), bool), nonexistent="shift_forward")
    out = placed.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        return out
    aware = _as_text(raw).str.contains(OFFSET, regex=True).fillna(False).to_numpy(dtype=bool)
    if aware.any():
        exact, _ = parse_datetime(raw[aware], dayfirst, None)  # without a zone, offsets are converted to UTC
        out = out.copy()
        out.iloc[np.flatnonzero(aware)] = exact.to_numpy(dtype="datetime64[ns]")
    return out


_NS_MIN, _NS_MAX = pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10")


def _within_range(parsed: pd.Series) -> pd.Series:
    """Parsed datetimes as datetime64[ns]; those outside what nanoseconds can hold become missing."""
    low, high = parsed.min(), parsed.max()
    if pd.isna(low) or (low > _NS_MIN and high < _NS_MAX):  # the usual case: no cell-by-cell check needed
        return parsed.astype("datetime64[ns]")
    inside = (parsed > _NS_MIN) & (parsed < _NS_MAX)
    return parsed.where(inside).astype("datetime64[ns]")


@per_distinct_value
def parse_scale(raw: pd.Series, low: int, high: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Ratings on a low..high scale; labels such as 'Very satisfied' map to 1-5.

    Returns (values, unreadable, out_of_scale); out-of-scale values are set missing.
    """
    blank = blank_mask(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
    else:
        text = _as_text(raw)
        values = pd.to_numeric(text.str.extract(r"^(-?\d+(?:\.\d+)?)", expand=False), errors="coerce").astype("float64")
        labels = {5: RATING_LABELS, 7: AGREE7_LABELS}.get(high)
        if labels is not None:
            labelled = text.str.lower().map(labels)
            values = values.fillna(pd.to_numeric(labelled, errors="coerce").astype("float64"))
    unreadable = values.isna() & ~blank
    out = values.notna() & ~values.between(low, high)
    return values.where(~out), unreadable, out


@per_distinct_value
def code_mask(raw: pd.Series, codes: list) -> pd.Series:
    """Cells holding one of `codes`: numbers compare as numbers (0, '0', 0.0), text case-insensitively."""
    numbers = [float(c) for c in codes if isinstance(c, (int, float)) and not isinstance(c, bool)]
    words = {str(c).strip().lower() for c in codes if isinstance(c, str)}
    mask = pd.Series(False, index=raw.index)
    if numbers:
        values, _ = parse_number(raw)
        mask |= values.isin(numbers).fillna(False).astype(bool)
    if words and not pd.api.types.is_numeric_dtype(raw.dtype):
        mask |= _as_text(raw).str.lower().isin(words).fillna(False).astype(bool)
    return mask


@per_distinct_value
def parse_text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    arrow = _arrow_text(raw)
    if arrow is not None:
        return _arrow_clean_text(raw, arrow)
    blank = blank_mask(raw)
    values = _as_text(raw).where(~blank)
    return values, pd.Series(False, index=raw.index)


@per_distinct_value
def parse_id(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Identifiers as text; 1001.0 from a numeric column becomes '1001'."""
    arrow = _arrow_text(raw)
    if arrow is not None:
        return _arrow_clean_text(raw, arrow)
    blank = blank_mask(raw)
    if pd.api.types.is_float_dtype(raw.dtype):
        whole = raw.dropna()
        if (whole == np.floor(whole)).all():
            raw = raw.astype("Int64")
    values = _as_text(raw).where(~blank)
    return values, pd.Series(False, index=raw.index)
