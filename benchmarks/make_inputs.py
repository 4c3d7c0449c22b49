"""Generate the ingest benchmark's inputs (a full-height orders .xlsx and a 5M-row events CSV), reproducibly and cached."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20260517
# Bump when the content or layout of a file changes, so cached copies are regenerated.
VERSION = 3

# Excel's grid is 1,048,576 rows in total: a header and 1,048,575 data rows fill a sheet exactly,
# the largest workbook a client can send.
ORDER_ROWS = 1_048_575
EVENT_ROWS = 5_000_000
SESSIONS = 1_200_000  # about; sessions are drawn until they hold EVENT_ROWS events

ORDERS_FILE = "orders_1m.xlsx"
EVENTS_FILE = "events_5m.csv"
ORDER_COLUMNS = ["Order ID", "Customer ID", "Ordered At", "Paid At", "Shipped At", "Delivered At", "Promised By",
                 "Status", "Channel", "Item", "Order Value (GBP)", "Backordered"]
EVENT_COLUMNS = ["case_id", "activity", "timestamp", "device"]
STEPS = ["home", "product", "basket", "checkout", "payment", "confirmation"]

FIRST_DAY, LAST_DAY = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# name, list price (GBP), share of order lines
PRODUCTS = [
    ("Linen Shirt", 45.00, 0.12), ("Merino Jumper", 65.00, 0.10), ("Wide-Leg Trousers", 55.00, 0.07),
    ("Cotton Dress", 59.00, 0.07), ("Scented Candle", 19.50, 0.07), ("Canvas Tote", 22.00, 0.06),
    ("Ceramic Mug Set", 32.00, 0.06), ("Silk Scarf", 38.50, 0.05), ("Knit Beanie", 19.00, 0.05),
    ("Wool Throw", 85.00, 0.05), ("Denim Jacket", 89.00, 0.05), ("Linen Napkins (4)", 24.00, 0.04),
    ("Leather Belt", 35.00, 0.04), ("Gift Box", 42.00, 0.03), ("Rib Socks (3)", 14.00, 0.04),
    ("Oak Serving Board", 48.00, 0.03), ("Enamel Jug", 27.50, 0.03), ("Cashmere Gloves", 75.00, 0.02),
    ("Bath Towel Set", 52.00, 0.02), ("Beeswax Wraps", 12.50, 0.02), ("Gift Card", 25.00, 0.01),
]
HOUR_WEIGHTS = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 5, 5, 6, 6, 5, 5, 5, 5, 6, 8, 9, 8, 5, 2], dtype=float)
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.05, 1.1, 0.9, 1.15])  # Monday .. Sunday


# --------------------------------------------------------------------------- orders (.xlsx)

def _order_table(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Orders, one per row, ordered in time; datetimes as numpy datetime64[s] with NaT for blanks."""
    n = ORDER_ROWS
    days = pd.date_range(FIRST_DAY, LAST_DAY, freq="D")
    growth = np.linspace(0.7, 1.3, len(days)) * WEEKDAY_WEIGHTS[days.day_of_week.to_numpy()]
    growth *= np.where(days.month.isin([11, 12]), 1.6, 1.0)  # the Christmas season
    day = np.sort(rng.choice(len(days), size=n, p=growth / growth.sum()))
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    second = hour * 3600 + rng.integers(0, 3600, size=n)
    ordered = days.to_numpy().astype("datetime64[s]")[day] + second.astype("timedelta64[s]")
    ordered = np.sort(ordered)  # the export is sorted by order time

    status = rng.choice(["Delivered", "Cancelled", "In transit", "Processing", "Returned"], size=n,
                        p=[0.915, 0.025, 0.012, 0.006, 0.042])
    # Recent orders are the ones still under way.
    recent = ordered > np.datetime64("2025-12-27")
    status = np.where(recent & (rng.random(n) < 0.6), rng.choice(["In transit", "Processing"], size=n), status)
    unpaid = (status == "Cancelled") & (rng.random(n) < 0.5)
    paid = ordered + rng.lognormal(4.0, 1.0, size=n).clip(5, 86_400).astype("timedelta64[s]")
    # Dispatch: same day before 14:00, else next day (Sunday waits to Monday), in the afternoon.
    order_day = ordered.astype("datetime64[D]")
    late = (ordered - order_day).astype(int) >= 14 * 3600
    ship_day = order_day + late.astype(int)
    ship_day = np.busday_offset(ship_day, 0, roll="forward", weekmask="1111110")
    backordered = rng.random(n) < 0.035
    ship_day = np.busday_offset(ship_day, np.where(backordered, rng.integers(2, 9, size=n), 0), weekmask="1111110")
    shipped = ship_day.astype("datetime64[s]") + (14 * 3600 + rng.integers(0, 4 * 3600, size=n)).astype("timedelta64[s]")
    transit = rng.choice([1, 1, 1, 2, 2, 3, 4], size=n)
    delivered = (ship_day + transit).astype("datetime64[s]") + (8 * 3600 + rng.integers(0, 11 * 3600, size=n)).astype("timedelta64[s]")
    promised = np.busday_offset(order_day + late.astype(int), 2, roll="forward", weekmask="1111110").astype("datetime64[s]")

    nat = np.datetime64("NaT", "s")
    paid = np.where(unpaid, nat, paid)
    not_shipped = np.isin(status, ["Cancelled", "Processing"])
    shipped = np.where(not_shipped, nat, shipped)
    delivered = np.where(not_shipped | (status == "In transit"), nat, delivered)
    # A few rows as real exports have them: a courier scan recorded before the dispatch scan.
    glitch = rng.random(n) < 0.0002
    delivered = np.where(glitch & ~np.isnat(delivered), shipped - np.timedelta64(3600, "s"), delivered)

    names = np.array([p[0] for p in PRODUCTS])
    prices = np.array([p[1] for p in PRODUCTS])
    shares = np.array([p[2] for p in PRODUCTS])
    item = rng.choice(len(PRODUCTS), size=n, p=shares / shares.sum())
    quantity = rng.choice([1, 1, 1, 1, 2, 2, 3], size=n)
    discount = np.where(rng.random(n) < 0.15, 0.8, 1.0)
    value = np.round(prices[item] * quantity * discount + np.where(rng.random(n) < 0.4, 3.95, 0.0), 2)

    customers = 260_000
    customer = (rng.zipf(1.6, size=n) - 1 + rng.integers(0, customers, size=n)) % customers
    channel = rng.choice(["Web", "Instagram", "Phone", "Marketplace"], size=n, p=[0.71, 0.14, 0.05, 0.10])
    return {
        "Order ID": np.char.add("JL-", np.char.zfill((1_000_001 + np.arange(n)).astype(str), 7)),
        "Customer ID": np.char.add("C-", np.char.zfill((1 + customer).astype(str), 6)),
        "Ordered At": ordered, "Paid At": paid, "Shipped At": shipped, "Delivered At": delivered,
        "Promised By": promised, "Status": status, "Channel": channel, "Item": names[item],
        "Order Value (GBP)": value, "Backordered": np.where(backordered, "Yes", "No"),
    }


def _serials(values: np.ndarray) -> list:
    """Excel serial day numbers (floats) for datetime64[s] values; None for blanks."""
    days = (values - np.datetime64(EXCEL_EPOCH.to_datetime64(), "s")).astype("float64") / 86_400.0
    days[np.isnat(values)] = np.nan
    return [None if d != d else d for d in days.tolist()]


def _number(value: float) -> str:
    """A cell value as Excel writes it: shortest round-trip form, whole numbers without '.0'."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _column_letter(i: int) -> str:
    return chr(ord("A") + i)  # 12 columns: A..L


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"""
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>fixfirst benchmarks/make_inputs.py</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created></cp:coreProperties>"""
APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application></Properties>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook {NS} {NS_R}><bookViews><workbookView/></bookViews><sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
# Cell styles: 0 general, 1 date-time (custom yyyy-mm-dd hh:mm:ss), 2 date (built-in 14), 3 money (built-in 4: #,##0.00).
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
STYLE_OF = {"Ordered At": 1, "Paid At": 1, "Shipped At": 1, "Delivered At": 1, "Promised By": 2, "Order Value (GBP)": 3}


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed time stamp, so that reruns write identical bytes."""
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_orders_xlsx(path: Path, rng: np.random.Generator, chunk: int = 65_536) -> None:
    """Write the sheet XML directly: about 30 s, where openpyxl's write-only mode needs about 5 minutes for 12.6M cells.

    The layout is what Excel itself saves: shared strings, dates and times as serial numbers with a
    date number format, blank cells omitted, a `dimension` element, a bold header row.
    """
    table = _order_table(rng)
    n = ORDER_ROWS
    text_columns = [c for c in ORDER_COLUMNS if c not in STYLE_OF]
    # Shared strings in order of first use, row by row (headers first), as Excel and openpyxl save them:
    # a reader that peeks at the first rows then needs only the start of the string table.
    grid = np.column_stack([table[name].astype(object) for name in text_columns]).ravel()
    codes, uniques = pd.factorize(np.concatenate([np.array(ORDER_COLUMNS, dtype=object), grid]))
    strings: list[str] = uniques.tolist()
    cells = codes[len(ORDER_COLUMNS):].reshape(n, len(text_columns))
    index_of = {name: cells[:, i] for i, name in enumerate(text_columns)}
    del grid, codes, cells
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS), ("docProps/core.xml", CORE),
                           ("docProps/app.xml", APP), ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/styles.xml", STYLES)):
            archive.writestr(_entry(name), text)
        with archive.open(_entry("xl/sharedStrings.xml"), "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {NS} count="{n * len(text_columns) + len(ORDER_COLUMNS)}" uniqueCount="{len(strings)}">'.encode())
            for start in range(0, len(strings), 200_000):
                out.write("".join(f"<si><t>{escape(s)}</t></si>" for s in strings[start:start + 200_000]).encode())
            out.write(b"</sst>")
        with archive.open(_entry("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as out:
            last = _column_letter(len(ORDER_COLUMNS) - 1)
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS} {NS_R}>'
                      f'<dimension ref="A1:{last}{n + 1}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
                      f'<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                      f'<sheetFormatPr defaultRowHeight="15"/><sheetData>'.encode())
            header = "".join(f'<c r="{_column_letter(i)}1" s="4" t="s"><v>{i}</v></c>' for i in range(len(ORDER_COLUMNS)))
            out.write(f'<row r="1" spans="1:12">{header}</row>'.encode())
            for start in range(0, n, chunk):
                stop = min(n, start + chunk)
                rows = range(start + 2, stop + 2)
                cells = [[f'<row r="{r}" spans="1:12">' for r in rows]]
                for i, name in enumerate(ORDER_COLUMNS):
                    col = _column_letter(i)
                    if name in index_of:
                        cells.append([f'<c r="{col}{r}" t="s"><v>{v}</v></c>' for r, v in zip(rows, index_of[name][start:stop].tolist())])
                    elif name == "Order Value (GBP)":
                        cells.append([f'<c r="{col}{r}" s="3"><v>{_number(v)}</v></c>' for r, v in zip(rows, table[name][start:stop].tolist())])
                    else:
                        style = STYLE_OF[name]
                        cells.append([f'<c r="{col}{r}" s="{style}"><v>{_number(v)}</v></c>' if v is not None else ""
                                      for r, v in zip(rows, _serials(table[name][start:stop]))])
                cells.append(["</row>"] * len(rows))
                out.write("".join(map("".join, zip(*cells))).encode())
            out.write(b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    os.replace(tmp, path)


# --------------------------------------------------------------------------- events (.csv)

def _events_table(rng: np.random.Generator) -> pa.Table:
    """Web sessions as an event log: home, 1+ product views, then the checkout funnel until the visitor leaves."""
    pool = int(SESSIONS * 1.1)  # draw more sessions than needed, keep those that fill EVENT_ROWS
    device = np.where(rng.random(pool) < 0.64, "mobile", "desktop")
    mobile = device == "mobile"
    # Continuation from product -> basket -> checkout -> payment -> confirmation; mobile loses more at payment.
    go = [rng.random(pool) < 0.86,
          rng.random(pool) < 0.55,
          rng.random(pool) < 0.74,
          rng.random(pool) < np.where(mobile, 0.66, 0.88),
          rng.random(pool) < 0.93]
    reached = np.cumprod(np.vstack(go), axis=0).astype(bool)  # reached[k]: got to STEPS[k + 1]
    products = np.where(reached[0], 1 + rng.poisson(1.15, size=pool), 0)
    funnel_steps = reached[1:].sum(axis=0)  # basket .. confirmation
    length = 1 + products + funnel_steps
    ends = np.cumsum(length)
    sessions = int(np.searchsorted(ends, EVENT_ROWS)) + 1
    if ends[-1] < EVENT_ROWS:
        raise RuntimeError("session pool too small")
    length = length[:sessions].copy()
    length[-1] -= int(ends[sessions - 1] - EVENT_ROWS)  # the export was cut mid-session, as real ones are
    products, device = products[:sessions], device[:sessions]

    session = np.repeat(np.arange(sessions), length)
    first = np.repeat(np.cumsum(length) - length, length)
    position = np.arange(EVENT_ROWS) - first  # 0 = home
    k = products[session]
    step = np.where(position == 0, 0, np.where(position <= k, 1, position - k + 1))

    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    weight = WEEKDAY_WEIGHTS[days.day_of_week.to_numpy()] * np.where(days.month.isin([11, 12]), 1.5, 1.0)
    day = np.sort(rng.choice(len(days), size=sessions, p=weight / weight.sum()))
    hour = rng.choice(24, size=sessions, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    start = days.to_numpy().astype("datetime64[s]")[day] + (hour * 3600 + rng.integers(0, 3600, size=sessions)).astype("timedelta64[s]")
    start = np.sort(start)  # sessions are listed in the order they started (sessions are exchangeable)
    gap = rng.exponential(55.0, size=EVENT_ROWS).astype("int64") + 2
    gap[position == 0] = 0
    csum = np.cumsum(gap)
    offset = csum - csum[first]  # seconds since the session's first event
    timestamp = np.repeat(start, length) + offset.astype("timedelta64[s]")
    case_id = np.char.add("S", np.char.zfill((1 + np.arange(sessions)).astype(str), 7))
    return pa.table({
        "case_id": pa.array(np.repeat(case_id, length)),
        "activity": pa.array(np.array(STEPS)[step]),
        "timestamp": pa.array(timestamp, type=pa.timestamp("s")).cast(pa.string()),
        "device": pa.array(np.repeat(device, length)),
    })


def write_events_csv(path: Path, rng: np.random.Generator) -> None:
    table = _events_table(rng)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:  # unquoted, as spreadsheets and analytics exports write it
        out.write((",".join(EVENT_COLUMNS) + "\n").encode())
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    os.replace(tmp, path)


# --------------------------------------------------------------------------- cache

def _marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _fresh(path: Path, rows: int) -> bool:
    """The file exists, was written by this version of the generator, and has the size recorded then."""
    marker = _marker_path(path)
    if not (path.is_file() and marker.is_file()):
        return False
    try:
        info = json.loads(marker.read_text())
    except ValueError:
        return False
    return info.get("version") == VERSION and info.get("seed") == SEED and info.get("rows") == rows \
        and info.get("bytes") == path.stat().st_size


def ensure(path: Path, rows: int, write, force: bool, seed_offset: int) -> None:
    if not force and _fresh(path, rows):
        print(f"{path.name}: cached ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} data rows)")
        return
    start = time.perf_counter()
    write(path, np.random.default_rng(SEED + seed_offset))
    seconds = time.perf_counter() - start
    _marker_path(path).write_text(json.dumps({"version": VERSION, "seed": SEED, "rows": rows, "bytes": path.stat().st_size,
                                              "seconds": round(seconds, 1)}) + "\n")
    print(f"{path.name}: written in {seconds:.0f} s ({path.stat().st_size / 1e6:,.0f} MB, {rows:,} data rows)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="Regenerate even when a cached copy is up to date.")
    parser.add_argument("--out", type=Path, default=DATA, help=f"Folder for the inputs (default {DATA}).")
    parser.add_argument("--only", choices=["xlsx", "csv"], help="Generate just one of the two files.")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "xlsx"):
        ensure(args.out / ORDERS_FILE, ORDER_ROWS, write_orders_xlsx, args.force, 0)
    if args.only in (None, "csv"):
        ensure(args.out / EVENTS_FILE, EVENT_ROWS, write_events_csv, args.force, 1)


if __name__ == "__main__":
    sys.exit(main())
