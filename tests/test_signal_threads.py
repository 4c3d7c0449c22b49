"""The signals' event branch runs in a worker thread beside the order branch: results must not depend on the overlap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import fixfirst

from .family import draw_spec, make_business

# Businesses whose event logs carry the planted defects (the event branch has something to find) and one healthy one.
SPECS = [draw_spec(4101, defects=("payment_incident",)), draw_spec(4102, defects=("mobile_checkout", "stockout")),
         draw_spec(4103, healthy=True)]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("threads")
    return [(make_business(spec.seed, root / f"seed-{spec.seed}", spec=spec), root / f"seed-{spec.seed}") for spec in SPECS]


def test_audits_run_at_once_equal_audits_run_alone(folders):
    """Three audits in three threads (each with its own event worker) give the JSON each gives alone, and every
    business has a web funnel, so the event branch ran in each."""
    alone = [fixfirst.audit(folder) for _, folder in folders]
    assert all(a.signals.funnel is not None and a.signals.process is not None for a in alone)
    with ThreadPoolExecutor(max_workers=len(folders)) as pool:
        together = list(pool.map(lambda item: fixfirst.audit(item[1]), folders))
    for one, other in zip(alone, together, strict=True):
        assert one.to_json() == other.to_json()


def test_event_branch_runs_in_a_worker_thread(folders, monkeypatch):
    """The funnel is built off the calling thread: the overlap the signals benchmark measures."""
    import fixfirst.signals as signals_package

    seen: list[str] = []
    original = signals_package.build_funnel

    def recording(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(signals_package, "build_funnel", recording)  # the name compute_signals' worker calls
    fixfirst.audit(folders[0][1])
    assert seen and all(name.startswith("fixfirst-events") for name in seen)

