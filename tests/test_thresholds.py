"""Judgement thresholds live in the settings model: no bare number decides anything in the compute layers."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from fixfirst.capacity.demand import forecast_demand
from fixfirst.capacity.outlook import capacity_outlook
from fixfirst.config.settings import Settings, settings_with
from fixfirst.signals.orders import order_signals

SRC = Path(__file__).resolve().parents[1] / "src" / "fixfirst"
PACKAGES = ("signals", "scoring", "decision", "capacity")

# Numbers a comparison, a min/max or a cap may still spell out: they are never a judgement about the client's data.
ALLOWED = {
    0, 1, -1, 2,  # empty / one / none; `2`: "at least two" of something (two sources agree, a pair, a variance)
    100, -100,  # percent, and the bounds of a percent-scaled figure (NPS runs from -100 to 100)
    7, 24, 60,  # units: days a week, hours a day, minutes an hour / seconds a minute
}
# Floating-point slack (1e-9 short of a boundary is on it) is arithmetic, not a threshold.
TOLERANCE = 1e-6

# Whole functions or modules whose numbers are formats, not judgements; each with why.
EXEMPT = {
    "signals/redaction.py": "pattern rules of phone numbers, dates and IP addresses (digit-group lengths, day <= 31, octet <= 255)",
    "signals/process.py:format_duration": "formatting: picks the unit a duration is written in (s, min, h, days)",
    "signals/drivers.py:p_text": "formatting: 'p<0.001' is how a p-value is written",
}

# How an object prints is formatting (a one-line repr lists the first few names).
FORMATTING_METHODS = {"__repr__", "__str__", "__format__"}

# Calls whose numeric arguments bound a result: min/max and their numpy forms, and the caps on rows listed. Their
# arguments are checked as written (`max(6, n)`), not inside arithmetic (`min(1.0, tried * 0.5 * erfc(z))` is a
# formula).
BOUNDING_CALLS = {"min", "max", "minimum", "maximum", "clip", "head", "nlargest", "nsmallest"}
COMPARISONS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    return None


def _literals(node: ast.AST) -> list[float]:
    """The numbers an operand spells out itself: through arithmetic and conditional expressions, not into calls,
    subscripts or names (`len(x) < 2 * rules.min_n` yields 2). `1 << 31` is an integer-width bound and a power's
    exponent is arithmetic; neither is a threshold."""
    value = _number(node)
    if value is not None:
        return [value]
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.LShift, ast.RShift)):
            return []
        if isinstance(node.op, ast.Pow):
            return _literals(node.left)
        return _literals(node.left) + _literals(node.right)
    if isinstance(node, ast.UnaryOp):
        return _literals(node.operand)
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _allowed(value: float) -> bool:
    return value in ALLOWED or 0 < abs(value) <= TOLERANCE


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def bare_thresholds(path: Path, relative: str) -> list[str]:
    """`relative:line: value in code` for every number outside the allowed set that a comparison, a min/max or a cap
    spells out, outside module-level named constants and the exempt functions."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[str] = []

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name if function is None else function
            if f"{relative}:{function}" in EXEMPT or node.name in FORMATTING_METHODS:
                return
        values: list[float] = []
        if isinstance(node, ast.Compare) and any(isinstance(op, COMPARISONS) for op in node.ops):
            values = [v for operand in (node.left, *node.comparators) for v in _literals(operand)]
        elif isinstance(node, ast.Call) and _call_name(node) in BOUNDING_CALLS:
            values = [v for arg in (*node.args, *(k.value for k in node.keywords)) if (v := _number(arg)) is not None]
        for value in values:
            if not _allowed(value):
                found.append(f"{relative}:{node.lineno}: {value!r} in `{lines[node.lineno - 1].strip()}`")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    for statement in tree.body:
        # A module-level assignment is a named constant: the number is written once, under a name that says what it is.
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            continue
        visit(statement, None)
    return found


def _modules() -> list[tuple[Path, str]]:
    out = []
    for package in PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            relative = path.relative_to(SRC).as_posix()
            if relative not in EXEMPT:
                out.append((path, relative))
    return out


def test_no_bare_number_decides_anything_in_the_compute_layers():
    found = [line for path, relative in _modules() for line in bare_thresholds(path, relative)]
    assert not found, (
        "a comparison, min/max or cap in the compute layers spells out a number. A judgement (a sample size, a share, a "
        "cut-off, how many items are listed) belongs in fixfirst.config.settings, documented in docs/settings.md; a unit, "
        "a format or a hard bound on input belongs in a named module-level constant:\n" + "\n".join(found))


def test_the_exemptions_still_name_real_code():
    # An exemption for a function that was renamed or removed would silently cover nothing (or a new function).
    for key in EXEMPT:
        module, _, function = key.partition(":")
        path = SRC / module
        assert path.is_file(), key
        if function:
            names = {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            assert function in names, key


def test_the_checker_catches_a_bare_threshold(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("LIMIT = 30\n\ndef f(x, n, rules):\n"
                    "    if n >= 30 or x < 0.5 * n or n <= LIMIT or n > rules.min_n or n >= 2 * n:\n"
                    "        return max(3, n) + min(n, 1) + min(1.0, n * 0.5) + x.head(4).sum()\n"
                    "    return 1 << 31 > n or x > 1e-12\n\n"
                    "class C:\n    def __repr__(self):\n        return str(self.names[:3]) if len(self.names) > 3 else ''\n")
    values = [line.split(": ")[1].split(" in ")[0] for line in bare_thresholds(path, "module.py")]
    assert values == ["30", "0.5", "3", "4"]


# Overriding a moved threshold through the settings changes what it decides (a default equal to the old literal keeps
# every result; the settings file is what a consultant tunes per engagement).

def test_max_volume_bands_bounds_the_capacity_outlook(sample_audit):
    facts = sample_audit.signals.order_facts
    campaigns = sample_audit.data.frame("campaigns")
    calendar = sample_audit.signals.context.calendar
    default = capacity_outlook(facts, campaigns, Settings(), calendar)
    assert default is not None and len(default.bands) > 2, "the sample should have enough days for several bands"
    fewer = capacity_outlook(facts, campaigns, settings_with({"capacity": {"max_volume_bands": 2}}), calendar)
    assert fewer is not None and len(fewer.bands) <= 2
    assert [b.high for b in fewer.bands] != [b.high for b in default.bands]


def test_overdispersion_ratio_decides_poisson_or_negative_binomial(sample_audit):
    facts = sample_audit.signals.order_facts
    campaigns = sample_audit.data.frame("campaigns")
    loose = forecast_demand(facts, campaigns, None, settings_with({"simulation": {"overdispersion_ratio": 1.0}}))
    strict = forecast_demand(facts, campaigns, None, settings_with({"simulation": {"overdispersion_ratio": 10.0}}))
    assert loose is not None and strict is not None
    assert strict.dispersion is None
    # At ratio 1 any spread wider than Poisson counts; a sample of weeks of real orders has some.
    assert loose.dispersion is not None and loose.dispersion > 0


def test_late_week_settings_choose_the_worst_weeks_listed(sample_audit):
    def weeks_listed(settings: Settings) -> list[str]:
        ctx = dataclasses.replace(sample_audit.signals.context, settings=settings)
        signals = order_signals(sample_audit.signals.order_facts, sample_audit.journey, ctx, sample_audit.data.frame("survey"))
        return [e.text for s in signals if s.metric == "promise_breach" for e in s.evidence if e.text.startswith("Week of")]

    default = weeks_listed(Settings())
    assert len(default) > 1, "the sample's delivery signal lists several bad weeks"
    assert weeks_listed(settings_with({"orders": {"top_late_weeks": 1}})) == default[:1]
    assert weeks_listed(settings_with({"orders": {"late_week_min_orders": 100_000}})) == []
