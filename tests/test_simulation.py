"""The capacity simulation against closed-form queueing results, Little's law, and the behaviour operations expect."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from scipy import stats

from fixfirst.capacity.flow import _arrival_counts, _segments
from fixfirst.capacity.projection import littles_law
from fixfirst.capacity.simulation import (
    DemandPlan,
    OperationalStep,
    erlang_c,
    headroom,
    kingman_mean_wait,
    mmc_mean_wait,
    run_flow,
    simulate,
    simulate_queue,
    weekmask,
)
from fixfirst.config.settings import Settings
from fixfirst.config.calendar import WorkingCalendar

EVERY_DAY = WorkingCalendar("1111111", ())
WEEKDAYS = WorkingCalendar("1111100", ())
MONDAY = "2026-03-02"

# Tolerance of every steady-state comparison: 5% of the closed-form value. Each simulation below is sized so that
# its standard error (measured across independent replications or runs, so autocorrelation cannot hide noise) is
# at most about 1.4% of that value: 5% is more than three and a half standard errors, and the seeds are fixed.
STEADY_STATE_TOLERANCE = 0.05


# --- Closed forms --------------------------------------------------------------------------------------------------

def test_erlang_c_matches_hand_computed_values():
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: the chance to wait is the utilisation
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # (1/2 * 2) / (1 + 1 + 1)
    assert erlang_c(3, 3.0) == 1.0  # not stable: everyone waits
    assert mmc_mean_wait(0.7, 1.0, 1) == pytest.approx(0.7 / 0.3)  # rho / (mu - lambda)
    assert kingman_mean_wait(0.7, 1.0) == pytest.approx(mmc_mean_wait(0.7, 1.0, 1))  # exact for M/M/1
    assert mmc_mean_wait(3.0, 1.0, 3) == math.inf


@pytest.mark.parametrize("servers, utilisation", [(1, 0.7), (3, 0.75)])
def test_event_mode_matches_erlang_c(servers, utilisation):
    """M/M/c: Poisson arrivals, exponential service; mean wait in queue against Erlang C."""
    arrival_rate = utilisation * servers
    exact = mmc_mean_wait(arrival_rate, 1.0, servers)
    if servers == 1:
        sim = simulate_queue(arrival_rate, 1.0, 1, customers=20_000, warmup=2_000, replications=64, seed=11)
    else:
        sim = simulate_queue(arrival_rate, 1.0, servers, customers=5_000, warmup=1_000, replications=200, seed=11)
    assert sim.mean_wait_std_error / exact < 0.015  # the precision the tolerance relies on
    assert sim.mean_wait == pytest.approx(exact, rel=STEADY_STATE_TOLERANCE)
    assert sim.mean_time_in_system == pytest.approx(exact + 1.0, rel=STEADY_STATE_TOLERANCE)


def test_event_mode_matches_kingman_for_general_service():
    """M/G/1 with gamma service (cv 0.5): Kingman's formula is exact here (Pollaczek-Khinchine)."""
    exact = kingman_mean_wait(0.8, 1.0, arrival_cv=1.0, service_cv=0.5)
    sim = simulate_queue(0.8, 1.0, 1, service_cv=0.5, customers=20_000, warmup=2_000, replications=64, seed=5)
    assert sim.mean_wait_std_error / exact < 0.015
    assert sim.mean_wait == pytest.approx(exact, rel=STEADY_STATE_TOLERANCE)
    # Deterministic service halves the M/M/1 wait (M/D/1), which a wrong service distribution would miss.
    md1 = simulate_queue(0.7, 1.0, 1, service_cv=0.0, customers=20_000, warmup=2_000, replications=64, seed=5)
    assert md1.mean_wait == pytest.approx(kingman_mean_wait(0.7, 1.0, 1.0, 0.0), rel=STEADY_STATE_TOLERANCE)


def _exact_daily_backlog(mean_orders: float, capacity: int, size: int = 500) -> float:
    """Stationary mean end-of-day backlog of B' = max(B + Poisson(mean) - capacity, 0), solved as a Markov chain
    (the M/D/c queue with a one-day service time, seen at day boundaries). Independent of the engine's code."""
    pmf = stats.poisson.pmf(np.arange(size + capacity), mean_orders)
    transition = np.zeros((size, size))
    for backlog in range(size):
        after = backlog + np.arange(size + capacity) - capacity
        transition[backlog, 0] = pmf[after <= 0].sum()
        inside = (after > 0) & (after < size)
        transition[backlog, after[inside]] += pmf[inside]
    system = np.vstack([transition.T - np.eye(size), np.ones(size)])
    rhs = np.zeros(size + 1)
    rhs[-1] = 1.0
    stationary = np.linalg.lstsq(system, rhs, rcond=None)[0]
    return float(stationary @ np.arange(size))


@pytest.mark.parametrize("mean_orders, capacity", [(8.0, 10), (4.0, 5)])
def test_day_engine_matches_the_exact_discrete_time_queue(mean_orders, capacity):
    """One step open every day, Poisson orders: the mean backlog, and (by Little's law in discrete time) the mean
    days from order to completion, against the exact stationary solution."""
    exact = _exact_daily_backlog(mean_orders, capacity)
    demand = DemandPlan(MONDAY, np.full(2000, mean_orders))
    flow = run_flow([OperationalStep("pack", capacity)], demand, EVERY_DAY, promise_days=5, runs=100, seed=3)
    steady = flow.backlog()[200:, 0, :]
    per_run = steady.mean(axis=0)
    assert per_run.std(ddof=1) / math.sqrt(len(per_run)) / exact < 0.015
    assert steady.mean() == pytest.approx(exact, rel=STEADY_STATE_TOLERANCE)
    law = littles_law(flow, Settings().simulation)
    assert law.mean_days_in_system == pytest.approx(exact / mean_orders, rel=STEADY_STATE_TOLERANCE)


# --- Little's law and the projection's bookkeeping -----------------------------------------------------------------

def _line(pick=60.0, pack=55.0, courier=200.0):
    return [OperationalStep("pick", pick), OperationalStep("pack", pack, capacity_cv=0.15),
            OperationalStep("courier", courier, handoff_days=1)]


def test_littles_law_holds_in_a_steady_week_pattern():
    weekly = np.tile([48, 50, 52, 50, 49, 30, 25], 26).astype(float)  # 26 weeks, quieter weekends
    projection = simulate(_line(), DemandPlan(MONDAY, weekly), WEEKDAYS, 3, runs=100, seed=1)
    law = projection.littles_law
    assert law.mean_wip > 50  # a real queue, so the check has something to check
    assert law.relative_difference <= Settings().simulation.littles_law_tolerance
    assert law.holds
    assert law.throughput_x_days == pytest.approx(law.throughput_per_day * law.mean_days_in_system)


def test_arrivals_are_poisson_or_negative_binomial_with_the_stated_moments():
    poisson = _arrival_counts(DemandPlan(MONDAY, np.full(400, 12.0)), 500, seed=2)
    assert poisson.mean() == pytest.approx(12.0, rel=0.01)
    assert poisson.var() == pytest.approx(12.0, rel=0.03)
    swinging = _arrival_counts(DemandPlan(MONDAY, np.full(400, 12.0), dispersion=4.0), 500, seed=2)
    assert swinging.mean() == pytest.approx(12.0, rel=0.01)
    assert swinging.var() == pytest.approx(12.0 + 12.0**2 / 4.0, rel=0.04)
    more = _arrival_counts(DemandPlan(MONDAY, np.full(400, 12.5), dispersion=4.0), 500, seed=2)
    assert np.all(more >= swinging) and more.sum() > swinging.sum()  # common random numbers: never fewer orders


def test_segments_pair_every_order_with_its_arrival_and_completion_day():
    arrived = np.array([[3.0], [5.0], [5.0], [9.0]])  # orders 1-3 on day 0, 4-5 on day 1, 6-9 on day 3
    done = np.array([[0.0], [2.0], [5.0], [9.0], [9.0]])  # 1-2 on day 1, 3-5 on day 2, 6-9 on day 3
    before = np.array([0, 1, 2, 3, 4, 5])  # every day a working day
    count, _run, arrival, completion, lead, breach = _segments(arrived, done, 0.0, before, promise_days=1)
    pairs = sorted(zip(arrival.tolist(), completion.tolist(), count.tolist()))
    assert pairs == [(0, 1, 2.0), (0, 2, 1.0), (1, 2, 2.0), (3, 3, 4.0)]
    assert dict(zip(zip(arrival.tolist(), completion.tolist()), lead.tolist()))[(0, 2)] == 2
    assert count[breach].sum() == 1.0  # only order 3 took more than one working day


def test_fractional_capacity_carries_over_and_start_backlog_goes_first():
    demand = DemandPlan(MONDAY, np.zeros(5))
    flow = run_flow([OperationalStep("pick", 10.0), OperationalStep("pack", 2.6)], demand, EVERY_DAY, 2,
                    start_backlog={"pack": 7}, runs=3)
    assert flow.finished[:4, 1, 0].tolist() == [2.0, 5.0, 7.0, 7.0]  # 2.6 a day: 2 done (and 0.6 of the third), 5, 7
    assert flow.backlog()[:3, 1, 0].tolist() == [5.0, 2.0, 0.0]
    assert flow.window_orders.sum() == 0 and flow.breach_share == 0.0


def test_handoff_days_delay_the_next_step_and_the_customer():
    """Picked the day it is ordered, a night with the carrier, delivered on a weekday: one working day, always."""
    steps = [OperationalStep("pick", 1000.0, handoff_days=1), OperationalStep("deliver", 1000.0)]
    demand = DemandPlan(MONDAY, np.full(28, 30.0))
    next_day = simulate(steps, demand, WEEKDAYS, 1, runs=20)
    assert (next_day.lead_time.p50, next_day.lead_time.p95, next_day.breach_share) == (1, 1, 0.0)
    assert simulate(steps, demand, WEEKDAYS, 0, runs=20).breach_share == 1.0
    # The same handoff after the last step: delivered the day after packing.
    courier = simulate([OperationalStep("pack", 1000.0, handoff_days=2)], demand, EVERY_DAY, 1, runs=20)
    assert courier.lead_time.p50 == courier.lead_time.p95 == 2


def test_replayed_orders_are_the_same_in_every_run():
    counts = np.array([3, 0, 5, 2, 7, 0, 1, 4, 4, 4, 0, 9, 1, 2], dtype=float)
    flow = run_flow([OperationalStep("pack", 4.0)], DemandPlan(MONDAY, counts, fixed=True), WEEKDAYS, 2, runs=5)
    assert (flow.arrived[: len(counts)] == np.cumsum(counts)[:, None]).all() and (flow.window_orders == counts.sum()).all()
    with pytest.raises(ValueError, match="whole numbers"):
        DemandPlan(MONDAY, [1.5, 2.0], fixed=True)


def test_delivery_days_by_weekday_follow_the_last_step():
    """Ample capacity: every order leaves the day it arrives (weekend orders on Monday). A Friday departure takes
    three working days to the door, any other one; so Friday's orders, and only they, miss a two-day promise."""
    table = np.zeros((7, 4))
    table[:, 1] = 1.0
    table[4] = [0.0, 0.0, 0.0, 1.0]
    demand = DemandPlan(MONDAY, np.full(14, 10.0), fixed=True)
    flow = run_flow([OperationalStep("pack", 1000.0)], demand, WEEKDAYS, 2, runs=3, delivery=table)
    assert flow.segment_count.sum() == pytest.approx(3 * 140)  # splitting by delivery days keeps every order
    friday = np.isin(flow.segment_arrival, [4, 11])
    assert (flow.segment_lead[friday] == 3).all() and (flow.segment_lead[~friday] == 1).all()
    assert flow.breach_share == pytest.approx(2 / 14)
    # Half of Monday's departures take a day, half two: the chances weight the orders.
    table[0] = [0.0, 0.5, 0.5, 0.0]
    split = run_flow([OperationalStep("pack", 1000.0)], demand, WEEKDAYS, 2, runs=1, delivery=table)
    monday = split.segment_arrival == 0
    assert sorted(split.segment_lead[monday]) == [1, 2] and split.segment_count[monday].tolist() == [5.0, 5.0]
    with pytest.raises(ValueError, match="one row of chances per weekday"):
        run_flow([OperationalStep("pack", 1.0)], demand, WEEKDAYS, 2, delivery=np.ones((7, 2)))


def test_same_seed_same_projection_and_json():
    demand = DemandPlan(MONDAY, np.full(35, 50.0), dispersion=10.0)
    first = simulate(_line(), demand, WEEKDAYS, 3, runs=50, seed=7).to_dict()
    again = simulate(_line(), demand, WEEKDAYS, 3, runs=50, seed=7).to_dict()
    other = simulate(_line(), demand, WEEKDAYS, 3, runs=50, seed=8).to_dict()
    assert first == again and first != other
    text = json.dumps(first, allow_nan=False)
    assert json.loads(text)["steps"][1]["name"] == "pack"
    assert len(first["backlog_mean"]) == 35 and len(first["backlog_mean"][0]) == 3


def test_takt_cycle_load_and_bottleneck():
    projection = simulate(_line(pick=60, pack=45), DemandPlan(MONDAY, np.full(28, 40.0)), WEEKDAYS, 3, runs=20)
    pack = projection.step("pack")
    assert pack.open_days == 20  # four weeks of Monday-Friday
    assert pack.demand_per_open_day == pytest.approx(40 * 28 / 20)
    assert pack.takt_minutes == pytest.approx(20 * 8 * 60 / (40 * 28))
    assert pack.cycle_minutes == pytest.approx(8 * 60 / pack.capacity_per_open_day)
    assert pack.load == pytest.approx(pack.cycle_minutes / pack.takt_minutes)
    assert projection.bottleneck == "pack"  # 56 orders per open day against 45: the only step over takt


# --- What operations expect ----------------------------------------------------------------------------------------

def test_a_step_with_ample_capacity_adds_no_backlog():
    demand = DemandPlan(MONDAY, np.full(56, 40.0))
    alone = simulate([OperationalStep("pack", 45.0)], demand, WEEKDAYS, 3, runs=60, seed=4)
    with_spare = simulate([OperationalStep("pack", 45.0), OperationalStep("label", 1000.0)], demand, WEEKDAYS, 3,
                          runs=60, seed=4)
    assert np.all(with_spare.backlog_mean[:, 1] == 0) and with_spare.step("label").peak_backlog_p95 == 0
    assert with_spare.lead_time == alone.lead_time
    assert with_spare.breach_share == alone.breach_share


def test_a_capacity_cut_builds_a_backlog_that_drains_afterwards():
    days = 70
    capacity = np.full(days, 60.0)
    capacity[14:28] = 30.0  # two weeks at half strength
    steps = [OperationalStep("pick", 80.0), OperationalStep("pack", capacity)]
    projection = simulate(steps, DemandPlan(MONDAY, np.full(days, 40.0)), EVERY_DAY, 2, runs=60, seed=2)
    pack = projection.backlog_mean[:, 1]
    assert pack[:14].max() < 5  # before the cut: no queue to speak of
    assert pack[27] > 100  # about 10 a day for 14 days
    assert int(np.argmax(pack)) in (26, 27, 28)  # it peaks as the cut ends
    assert pack[-7:].max() < 5  # 20 spare a day clears it in about a week
    breach = projection.breach_share_by_day
    # Orders placed late in the cut wait behind the pile; once it has cleared, the promise holds again.
    assert breach[:14].max() < 0.01 and breach[21:27].mean() > 0.5 and breach[36:].max() < 0.01


def test_a_demand_surge_backlog_drains_after_demand_drops():
    expected = np.full(63, 30.0)
    expected[14:21] = 70.0  # a one-week campaign spike
    projection = simulate(_line(pick=100, pack=45), DemandPlan(MONDAY, expected), EVERY_DAY, 2, runs=60, seed=9)
    wip = projection.wip_mean
    assert wip[20] > 150 and wip[-7:].max() < wip[20] / 5


def test_closed_days_and_holidays_stop_work():
    holiday = np.datetime64("2026-03-11")  # a Wednesday
    calendar = WorkingCalendar("1111100", (holiday,))
    demand = DemandPlan(MONDAY, np.full(14, 20.0))
    projection = simulate([OperationalStep("pack", 500.0)], demand, calendar, 0, runs=30, seed=1)
    dates = projection.dates
    closed = (dates.day_of_week >= 5) | (dates == pd.Timestamp(holiday))
    assert np.all(np.isnan(projection.utilisation_daily[closed, 0]))
    assert np.all(projection.utilisation_daily[~closed, 0] > 0)
    backlog = projection.backlog_mean[:, 0]
    assert np.all(backlog[~closed] == 0) and backlog[9] > 10  # Tuesday's orders all done; the holiday's wait
    assert backlog[6] == pytest.approx(backlog[5] + 20, abs=3)  # Sunday adds to Saturday's pile
    # With ample capacity nobody waits past their clock start: weekend and holiday orders are done next working day.
    assert projection.lead_time.p95 == 0 and projection.breach_share == 0
    # A step working Saturdays clears Friday's and Saturday's orders on Saturday.
    saturday = simulate([OperationalStep("pack", 500.0, works_on="Mon Tue Wed Thu Fri Sat")], demand, calendar, 0,
                        runs=30, seed=1)
    assert saturday.backlog_mean[5, 0] == 0 and saturday.backlog_mean[6, 0] > 10
    # A step that ignores holidays works through them.
    through = simulate([OperationalStep("pack", 500.0, observes_holidays=False)], demand, calendar, 0, runs=30, seed=1)
    assert through.backlog_mean[9, 0] == 0


def test_weekmask_accepts_names_and_masks():
    assert weekmask("Mon, Wed Fri", "1111100") == "1010100"
    assert weekmask(["saturday", "Sunday"], "1111100") == "0000011"
    assert weekmask(None, "1111100") == "1111100"
    assert weekmask("1111110", "1111100") == "1111110"
    with pytest.raises(ValueError, match="unknown weekday"):
        weekmask("Mon Funday", "1111100")


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    capacities=st.lists(st.floats(2.0, 40.0), min_size=1, max_size=3),
    base=st.floats(0.5, 30.0),
    uplift=st.floats(0.01, 1.5),
    handoff=st.integers(0, 2),
    cv=st.sampled_from([0.0, 0.3]),
    dispersion=st.sampled_from([None, 3.0]),
    backlog=st.integers(0, 40),
    promise=st.integers(0, 4),
    seed=st.integers(0, 2**16),
)
def test_more_demand_never_helps(capacities, base, uplift, handoff, cv, dispersion, backlog, promise, seed):
    """With common random numbers, more demand gives at least as many orders every day, so (FIFO) no order finishes
    sooner: the breached orders and the orders in the system never fall in any run. (The breach *share* can dip
    in one run: extra orders on a quiet day can dilute a fixed number of breaches.)"""
    steps = [OperationalStep(f"s{k}", c, capacity_cv=cv, handoff_days=handoff if k == 0 else 0)
             for k, c in enumerate(capacities)]
    weekly = base * np.tile([1.2, 1.0, 1.0, 1.1, 1.3, 0.6, 0.4], 4)
    demand = DemandPlan(MONDAY, weekly, dispersion)
    kwargs = {"start_backlog": {"s0": backlog}, "runs": 12, "seed": seed}
    low = run_flow(steps, demand, WEEKDAYS, promise, **kwargs)
    high = run_flow(steps, demand.with_extra(uplift), WEEKDAYS, promise, **kwargs)
    runs = 12
    breached_low = np.bincount(low.segment_run, weights=low.segment_count * low.segment_breach, minlength=runs)
    breached_high = np.bincount(high.segment_run, weights=high.segment_count * high.segment_breach, minlength=runs)
    assert np.all(breached_high >= breached_low)
    assert np.all(high.arrived - high.done >= low.arrived - low.done - 1e-9)


def test_breach_share_rises_with_demand_across_a_grid():
    steps = _line(pick=70, pack=60)
    baseline = DemandPlan(MONDAY, np.tile([40, 42, 41, 44, 45, 25, 20], 8).astype(float))
    shares = [simulate(steps, baseline.with_extra(u), WEEKDAYS, 2, runs=100, seed=0).breach_share
              for u in np.linspace(0, 0.4, 9)]
    assert shares[0] < 0.05 < shares[-1]
    assert all(b >= a for a, b in itertools.pairwise(shares)), shares


# --- Headroom ------------------------------------------------------------------------------------------------------

def test_headroom_is_the_boundary():
    steps = _line(pick=70, pack=60)
    baseline = DemandPlan(MONDAY, np.tile([40, 42, 41, 44, 45, 25, 20], 8).astype(float))
    found = headroom(steps, baseline, WEEKDAYS, 2, 0.05, runs=100, seed=0)
    assert found.status == "found"
    assert 0 < found.uplift < found.failing_uplift <= found.uplift + Settings().simulation.headroom_precision
    just_below = simulate(steps, baseline.with_extra(found.uplift), WEEKDAYS, 2, runs=100, seed=0)
    just_above = simulate(steps, baseline.with_extra(found.failing_uplift), WEEKDAYS, 2, runs=100, seed=0)
    assert just_below.breach_share <= 0.05 < just_above.breach_share
    assert found.breach_share == pytest.approx(just_below.breach_share)
    assert found.extra_orders_per_week == pytest.approx(found.uplift * baseline.expected.sum() / 56 * 7)
    assert found.breaks_first == "pack"
    assert json.loads(json.dumps(found.to_dict(), allow_nan=False))["status"] == "found"


def test_headroom_when_already_over_target_or_never_reached():
    baseline = DemandPlan(MONDAY, np.full(28, 40.0))
    over = headroom([OperationalStep("pick", 100.0), OperationalStep("pack", 35.0)], baseline, WEEKDAYS, 2, 0.05, runs=30)
    assert over.status == "over_target" and over.uplift == 0 and over.breaks_first == "pack"
    assert over.breach_share > 0.05
    ample = headroom([OperationalStep("pack", 10_000.0)], baseline, WEEKDAYS, 2, 0.05, runs=30)
    assert ample.status == "beyond_search" and ample.uplift == Settings().simulation.headroom_max_uplift


def test_headroom_with_a_campaign_shaped_extra():
    """Extra demand only in the campaign's two weeks leaves more room than the same volume spread evenly."""
    steps = _line(pick=70, pack=60)
    baseline = DemandPlan(MONDAY, np.full(56, 35.0))
    campaign = np.zeros(56)
    campaign[21:35] = 1.0
    spread = headroom(steps, baseline, WEEKDAYS, 2, 0.05, runs=60)
    peaked = headroom(steps, baseline, WEEKDAYS, 2, 0.05, runs=60, extra_profile=campaign)
    assert spread.status == peaked.status == "found"
    assert peaked.uplift < spread.uplift  # the same extra volume squeezed into two weeks breaks sooner


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        OperationalStep("pack", -1.0)
    with pytest.raises(ValueError):
        DemandPlan(MONDAY, np.array([1.0, -2.0]))
    with pytest.raises(ValueError, match="unique"):
        run_flow([OperationalStep("a", 1.0), OperationalStep("a", 1.0)], DemandPlan(MONDAY, np.ones(7)), WEEKDAYS, 2)
    with pytest.raises(ValueError, match="daily capacities"):
        run_flow([OperationalStep("a", np.ones(5))], DemandPlan(MONDAY, np.ones(7)), WEEKDAYS, 2)
    with pytest.raises(ValueError, match="unknown step"):
        run_flow([OperationalStep("a", 1.0)], DemandPlan(MONDAY, np.ones(7)), WEEKDAYS, 2, start_backlog={"b": 3})
