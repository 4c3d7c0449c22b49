"""The day-by-day flow of orders through the operational steps, simulated as cumulative counts vectorised across runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config import WorkingCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EPS = 1e-9  # fractional capacities add up with rounding error; an order 1e-9 short of done is done


def weekmask(works_on: str | Sequence[str] | None, default: str) -> str:
    """A numpy weekmask ("1111100") from a mask, from weekday names ("Mon Tue Wed"), or the default when None."""
    if works_on is None:
        return default
    if isinstance(works_on, str) and len(works_on) == 7 and set(works_on) <= {"0", "1"}:
        return works_on
    names = works_on.replace(",", " ").split() if isinstance(works_on, str) else list(works_on)
    picked = {str(n).strip().lower()[:3] for n in names}
    unknown = picked - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday(s) {sorted(unknown)}: use Mon..Sun or a mask like 1111100")
    return "".join("1" if d in picked else "0" for d in WEEKDAYS)


@dataclass(frozen=True)
class OperationalStep:
    """One step every order passes through, in order (pick, pack, dispatch, deliver...).

    `capacity` is orders the step can finish per working day: one number, or one per calendar day of the
    window (a capacity sheet; zero on a closed day). Fractions carry over: 2.5 a day finishes 5 orders in
    2 days. `capacity_cv` draws each day's capacity around it (sickness, breakdowns; gamma distributed).
    `handoff_days` are calendar days between finishing here and reaching the next step (or the customer,
    for the last step), e.g. a carrier's overnight leg. `servers`, `service_cv` and `hours_per_day` are
    used only by the within-day queueing view and by takt and cycle times.
    """

    name: str
    capacity: float | Sequence[float] | np.ndarray
    servers: int = 1
    service_cv: float = 1.0
    capacity_cv: float = 0.0
    works_on: str | Sequence[str] | None = None  # None: the calendar's working days
    observes_holidays: bool = True
    handoff_days: int = 0
    hours_per_day: float | None = None  # None: settings.simulation.hours_per_day

    def __post_init__(self):
        capacity = np.asarray(self.capacity, dtype=float)
        if capacity.ndim > 1 or not np.all(np.isfinite(capacity)) or np.any(capacity < 0):
            raise ValueError(f"step {self.name!r}: capacity must be a non-negative number or one per day")
        if self.servers < 1 or self.service_cv < 0 or self.capacity_cv < 0 or self.handoff_days < 0:
            raise ValueError(f"step {self.name!r}: servers >= 1 and non-negative cv and handoff days")
        if self.hours_per_day is not None and not 0 < self.hours_per_day <= 24:
            raise ValueError(f"step {self.name!r}: hours_per_day must be in (0, 24]")


@dataclass(frozen=True)
class DemandPlan:
    """Expected new orders per calendar day from `start` (the window), and how the daily count varies.

    Poisson by default. `dispersion` (k > 0) makes it negative binomial, variance = mean + mean^2 / k, for
    order days that swing more than Poisson allows (weather, a post going viral); k of 5-20 is a moderate
    swing, and as k grows it tends to Poisson. Orders placed on a closed day start the promise clock on the
    next working day. `fixed` replays the counts exactly, the same in every run (a backtest of real orders).
    """

    start: pd.Timestamp
    expected: np.ndarray
    dispersion: float | None = None
    fixed: bool = False

    def __post_init__(self):
        expected = np.asarray(self.expected, dtype=float)
        if expected.ndim != 1 or len(expected) == 0 or not np.all(np.isfinite(expected)) or np.any(expected < 0):
            raise ValueError("expected orders must be a non-empty list of non-negative numbers, one per day")
        if self.dispersion is not None and not self.dispersion > 0:
            raise ValueError("dispersion must be positive (or None for Poisson)")
        if self.fixed and np.any(expected != np.round(expected)):
            raise ValueError("replayed order counts must be whole numbers")
        object.__setattr__(self, "expected", expected)
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())

    @property
    def days(self) -> int:
        return len(self.expected)

    def with_extra(self, uplift: float, profile: np.ndarray | None = None) -> DemandPlan:
        """Baseline plus `uplift` times its volume, spread like `profile` (default: like the baseline itself)."""
        if profile is None:
            return replace(self, expected=self.expected * (1.0 + uplift))
        profile = np.asarray(profile, dtype=float)
        if profile.shape != self.expected.shape or np.any(profile < 0) or profile.sum() <= 0:
            raise ValueError("the extra-demand profile needs one non-negative weight per day, not all zero")
        return replace(self, expected=self.expected + uplift * self.expected.sum() * profile / profile.sum())


@dataclass
class Flow:
    """Raw simulated curves (cumulative counts, so FIFO order is implicit) and per-order lead-time segments."""

    window: int  # days of the window; the rest of the simulation is drain
    start_passed: np.ndarray  # (steps,) start-backlog orders already past each step
    arrived: np.ndarray  # (sim_days, runs) cumulative orders in the system, start backlog included
    inflow: np.ndarray  # (sim_days, steps, runs) cumulative orders that reached each step
    work: np.ndarray  # (sim_days, steps, runs) cumulative work done, in orders (fractional)
    finished: np.ndarray  # (sim_days, steps, runs) cumulative orders finished at each step
    done: np.ndarray  # (sim_days, runs) cumulative orders completed, after the last handoff
    capacity: np.ndarray  # (sim_days, steps, runs or 1) capacity offered each day
    window_orders: np.ndarray  # (runs,) new orders placed in the window
    segment_count: np.ndarray  # orders in each (run, arrival day, completion day) segment
    segment_run: np.ndarray
    segment_arrival: np.ndarray  # day index
    segment_completion: np.ndarray  # day index; sim_days = still open when the simulation ended
    segment_lead: np.ndarray  # working days (a lower bound when still open)
    segment_breach: np.ndarray

    @property
    def sim_days(self) -> int:
        return self.arrived.shape[0]

    @property
    def breach_share(self) -> float:
        """Breached orders over all orders of the window, every run pooled."""
        total = self.window_orders.sum()
        return float((self.segment_count * self.segment_breach).sum() / total) if total else 0.0

    def backlog(self) -> np.ndarray:
        """(window, steps, runs) orders waiting or in progress at each step at the end of each day."""
        return self.inflow[: self.window] - self.finished[: self.window]


def _day_tables(start: pd.Timestamp, sim_days: int, calendar: WorkingCalendar):
    dates = np.datetime64(start.date(), "D") + np.arange(sim_days + 1)
    working = np.is_busday(dates, weekmask=calendar.weekmask, holidays=list(calendar.holidays))
    # Working days before each day: busday_count(clock start, completion) = before[completion] - before[arrival],
    # because the days between an arrival and its clock start are all closed.
    before = np.concatenate([[0], np.cumsum(working)])[: sim_days + 1]
    return dates[:sim_days], before


def _open_mask(step: OperationalStep, dates: np.ndarray, calendar: WorkingCalendar) -> np.ndarray:
    holidays = list(calendar.holidays) if step.observes_holidays else []
    return np.is_busday(dates, weekmask=weekmask(step.works_on, calendar.weekmask), holidays=holidays)


def _capacity_per_day(step: OperationalStep, window: int, sim_days: int) -> np.ndarray:
    """The step's capacity on each simulated day before closures; a per-day sheet repeats its last week in the drain."""
    capacity = np.asarray(step.capacity, dtype=float)
    if capacity.ndim == 0:
        return np.full(sim_days, float(capacity))
    if len(capacity) != window:
        raise ValueError(f"step {step.name!r}: {len(capacity)} daily capacities for a {window}-day window")
    period = min(7, window)  # the same weekday a week earlier, so a sheet's weekly pattern carries on
    return np.concatenate([capacity, capacity[window - period + np.arange(sim_days - window) % period]])


def _arrival_counts(demand: DemandPlan, runs: int, seed: int) -> np.ndarray:
    """(runs, window) daily order counts: one fixed uniform per run and day through the inverse CDF of that day's
    distribution. A higher mean then never gives fewer orders on any day of any run (common random numbers), which
    keeps comparisons between scenarios, and the headroom search, monotone."""
    if demand.fixed:
        return np.repeat(demand.expected[None, :], runs, axis=0)
    uniforms = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0]).random((runs, demand.days))
    counts = np.zeros((runs, demand.days))
    means, day_of = np.unique(demand.expected, return_inverse=True)
    for i, mean in enumerate(means):  # one CDF table per distinct daily mean (a forecast has at most one per day)
        if mean <= 0:
            continue
        days = day_of == i
        support, cdf = _count_cdf(mean, demand.dispersion)
        counts[:, days] = support[np.minimum(np.searchsorted(cdf, uniforms[:, days], side="left"), len(support) - 1)]
    return counts


def _count_cdf(mean: float, dispersion: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Counts and their CDF over every count with a chance above about 1e-12 (the rest cannot matter in any run)."""
    from scipy import special  # imported on first use: every command would otherwise pay for it at start-up
    if dispersion is None:
        spread = 10 * np.sqrt(mean) + 10
        support = np.arange(max(0.0, np.floor(mean - spread)), np.ceil(mean + spread) + 1)
        return support, special.pdtr(support, mean)
    success = dispersion / (dispersion + mean)  # scipy's nbinom(n=k, p): mean k(1-p)/p
    top = np.ceil(special.nbdtrik(1 - 1e-12, dispersion, success))
    support = np.arange(0.0, top + 1)
    return support, special.betainc(dispersion, support + 1, success)


def run_flow(steps: Sequence[OperationalStep], demand: DemandPlan, calendar: WorkingCalendar, promise_days: int, *,
             start_backlog: Mapping[str, float] | Sequence[float] | None = None, runs: int = 200, seed: int = 0,
             drain_days: int = 42, delivery: np.ndarray | None = None) -> Flow:
    """The simulation itself (`simulate` summarises it): a loop over days x steps, each a few array operations across runs.

    Each step works greedily: cumulative work = min(yesterday's work + today's capacity, orders that reached it),
    which is FIFO with partly done orders carried over; an order counts as finished once its whole unit of work is
    done, and passes on after the step's handoff days. `delivery` (weekday x working days, rows summing to 1; see
    capacity.delivery) spreads each order over the working days it then takes to reach the customer, by the weekday
    the last step finished it: lead times and breaches include them, completion days stay the last step's.
    """
    if not steps:
        raise ValueError("at least one operational step is needed")
    names = [s.name for s in steps]
    if len(set(names)) != len(names):
        raise ValueError("step names must be unique")
    if promise_days < 0 or runs < 1:
        raise ValueError("promise_days must be >= 0 and runs >= 1")
    window, n_steps = demand.days, len(steps)
    backlog0 = _start_backlog(start_backlog, names)
    # The drain lets the window's last orders finish; it reaches past their deadline, so an order still open
    # when the simulation ends is certainly a breach.
    last_day = np.datetime64(demand.start.date(), "D") + window - 1
    deadline = np.busday_offset(last_day, promise_days, roll="forward", weekmask=calendar.weekmask,
                                holidays=list(calendar.holidays))
    sim_days = window + max(drain_days, int((deadline - last_day).astype(int)) + 1)
    dates, before = _day_tables(demand.start, sim_days, calendar)

    rng_capacity = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    capacity = np.empty((sim_days, n_steps, runs if any(s.capacity_cv > 0 for s in steps) else 1))
    for k, step in enumerate(steps):
        daily = _capacity_per_day(step, window, sim_days) * _open_mask(step, dates, calendar)
        if step.capacity_cv > 0:
            shape = 1.0 / step.capacity_cv**2
            capacity[:, k, :] = daily[:, None] * rng_capacity.gamma(shape, 1.0 / shape, size=(sim_days, capacity.shape[2]))
        else:
            capacity[:, k, :] = daily[:, None]

    counts = _arrival_counts(demand, runs, seed)
    already = float(backlog0.sum())
    arrived = np.full((sim_days, runs), already)
    arrived[:window] += np.cumsum(counts, axis=1).T
    arrived[window:] = arrived[window - 1]
    # Global FIFO numbering: the start backlog furthest down the line is oldest, so a step has already passed
    # every order waiting downstream of it.
    passed0 = np.concatenate([np.cumsum(backlog0[::-1])[::-1][1:], [0.0]])
    inflow = np.empty((sim_days, n_steps, runs))
    work = np.empty((sim_days, n_steps, runs))
    finished = np.empty((sim_days, n_steps, runs))
    previous = np.repeat(passed0[:, None], runs, axis=1)
    lags = [s.handoff_days for s in steps]
    for t in range(sim_days):
        for k in range(n_steps):
            if k == 0:
                inflow[t, 0] = arrived[t]
            elif t - lags[k - 1] >= 0:
                inflow[t, k] = finished[t - lags[k - 1], k - 1]
            else:
                inflow[t, k] = passed0[k - 1]
            np.minimum(previous[k] + capacity[t, k], inflow[t, k], out=work[t, k])
            np.floor(work[t, k] + _EPS, out=finished[t, k])
        previous = work[t]
    last_lag = lags[-1]
    done = np.empty((sim_days, runs))
    done[:last_lag] = passed0[-1]
    done[last_lag:] = finished[: sim_days - last_lag, -1]

    segments = _segments(arrived[:window], done, already, before, promise_days)
    if delivery is not None:
        segments = _after_delivery(segments, delivery, dates, promise_days)
    return Flow(window, passed0, arrived, inflow, work, finished, done, capacity, arrived[window - 1] - already, *segments)


def _after_delivery(segments, delivery: np.ndarray, dates: np.ndarray, promise_days: int):
    """Each segment split by the working days its orders then take to the door, weighted by their chance.

    The chance depends on the weekday the last step finished the orders (a Friday dispatch meets the weekend);
    orders still open at the end keep the row of the last simulated day (their lead is a lower bound anyway).
    """
    table = np.asarray(delivery, dtype=float)
    if table.ndim != 2 or table.shape[0] != 7 or np.any(table < 0) or not np.allclose(table.sum(axis=1), 1):
        raise ValueError("delivery needs one row of chances per weekday (Mon..Sun), each summing to 1")
    count, run, arrival, completion, lead, _ = segments
    weekday = (dates[np.minimum(completion, len(dates) - 1)].astype("datetime64[D]").view("int64") + 3) % 7  # 1970-01-01 was a Thursday
    chance = table[weekday]  # (segments, days to the door)
    keep = chance > 0
    rows, extra = np.nonzero(keep)
    lead = lead[rows] + extra
    return (count[rows] * chance[keep], run[rows], arrival[rows], completion[rows], lead, lead > promise_days)


def _start_backlog(start_backlog, names: list[str]) -> np.ndarray:
    if start_backlog is None:
        return np.zeros(len(names))
    if isinstance(start_backlog, Mapping):
        unknown = set(start_backlog) - set(names)
        if unknown:
            raise ValueError(f"start backlog for unknown step(s) {sorted(unknown)}")
        values = np.array([float(start_backlog.get(n, 0)) for n in names])
    else:
        values = np.asarray(start_backlog, dtype=float)
        if values.shape != (len(names),):
            raise ValueError("start backlog needs one count per step")
    if np.any(values < 0) or np.any(values != np.round(values)):
        raise ValueError("start backlog counts must be whole non-negative numbers")
    return values


def _segments(arrived: np.ndarray, done: np.ndarray, already: float, before: np.ndarray, promise_days: int):
    """Cut each run's window orders into runs of consecutive FIFO numbers that share an arrival and a completion day.

    Orders are numbered in arrival order; order n arrived on the first day the cumulative arrivals reach n and
    finished on the first day cumulative completions reach n. Merging the two step functions gives every
    (arrival day, completion day) pair with its order count, with no loop over orders.
    """
    window, runs = arrived.shape
    sim_days = done.shape[0]
    total = arrived[-1]  # (runs,)
    a = arrived.T
    c = done.T
    cuts = np.sort(np.concatenate([np.clip(a, already, total[:, None]), np.clip(c, already, total[:, None])], axis=1), axis=1)
    lower = np.concatenate([np.full((runs, 1), already), cuts[:, :-1]], axis=1)
    count = cuts - lower
    keep = count > 0
    run = np.nonzero(keep)[0]
    upper = cuts[keep]
    count = count[keep]
    stride = float(total.max() + 1)
    offset = run * stride
    arrival = np.searchsorted((a + np.arange(runs)[:, None] * stride).ravel(), upper + offset, side="left") - run * window
    completion = np.searchsorted((c + np.arange(runs)[:, None] * stride).ravel(), upper + offset, side="left") - run * sim_days
    lead = np.maximum(before[completion] - before[arrival], 0)
    return count, run, arrival, completion, lead, lead > promise_days
