"""Properties of the audit over a seeded family of varied businesses with planted defects (issue #10), and of their generator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from fixfirst.errors import InputProblems
from fixfirst.pipeline import audit_from, check_engagement

from .family import DEFECT_KINDS, draw_spec, family, make_business
from .family.measure import herrings_above_defect, record, summarise, symptoms_above_cause

# 16 businesses: 6 healthy (37.5%), 10 with one or two planted defects, every defect kind at least once.
FAMILY_SIZE, FAMILY_SEED = 16, 3
SPECS = list(family(FAMILY_SIZE, FAMILY_SEED))
HEALTHY = [s for s in SPECS if s.healthy]
SYMPTOM_KINDS = ("stockout", "slow_packing", "mobile_checkout", "payment_incident")  # defects that show downstream too
DEFECTIVE = [s for s in SPECS if not s.healthy]


def _id(spec) -> str:
    return f"{spec.seed}-" + ("healthy" if spec.healthy else "+".join(d.kind for d in spec.defects))


@dataclass
class Audited:
    truth: object
    checked: object
    result: object | None
    error: str | None
    record: dict


class FamilyAudits:
    """Generates and audits each family member on first use, once per session (a single test audits only its own)."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict[int, Audited] = {}

    def get(self, spec) -> Audited:
        if spec.seed not in self.cache:
            folder = self.root / f"seed-{spec.seed}"
            truth = make_business(spec.seed, folder, spec=spec)
            checked = check_engagement(folder)
            result, error = None, None
            try:
                if checked.data.problems.has_errors:
                    raise InputProblems(list(checked.data.problems))
                result = audit_from(checked)
            except Exception as exc:  # reported by every property test of this business, with the cause
                error = f"{type(exc).__name__}: {exc}"
            self.cache[spec.seed] = Audited(truth, checked, result, error, record(truth, result, error=error))
        return self.cache[spec.seed]

    def all(self) -> list[Audited]:
        return [self.get(s) for s in SPECS]


@pytest.fixture(scope="session")
def audits(tmp_path_factory) -> FamilyAudits:
    return FamilyAudits(tmp_path_factory.mktemp("family"))


def _audited(audits: FamilyAudits, spec) -> Audited:
    got = audits.get(spec)
    assert got.error is None, f"seed {spec.seed}: the audit failed: {got.error}"
    return got


def _top(rec: dict, k: int = 5) -> str:
    return "; ".join(f"#{w['rank']} {w['id']} {w['score']} ({w['metric']}/{w['source']}, {w['confidence']})"
                     for w in rec["weak_spots"][:k]) or "(no weak spots)"


# ---------------------------------------------------------------------------------------------------- the generator

def test_family_has_the_promised_mix():
    assert 0.30 <= len(HEALTHY) / len(SPECS) <= 0.40
    assert all(1 <= len(s.defects) <= 2 for s in DEFECTIVE)
    assert {d.kind for s in DEFECTIVE for d in s.defects} == set(DEFECT_KINDS)
    big = list(family(100, 1))
    assert 30 <= sum(s.healthy for s in big) <= 40
    counts = {k: sum(d.kind == k for s in big for d in s.defects) for k in DEFECT_KINDS}
    assert min(counts.values()) >= 8, counts  # balanced round robin: every kind measured on enough businesses
    for s in big:  # two defects never share a root, so each can be found on its own
        roots = [s.role_id({"stockout": "stock", "slow_packing": "dispatch", "carrier": "delivery", "mobile_checkout": "checkout",
                            "payment_incident": "payment", "returns": "returns", "product_page": "product"}[d.kind]) for d in s.defects]
        assert len(set(roots)) == len(roots), (s.seed, roots)


def test_drawn_parameters_vary_across_seeds():
    specs = [draw_spec(seed) for seed in range(60)]
    sizes = [s.orders_per_day for s in specs]
    assert max(sizes) / min(sizes) > 8 and min(sizes) >= 15 and max(sizes) <= 400
    assert len({s.promise_days for s in specs}) >= 4
    assert {s.working_days for s in specs} == {5, 6}
    assert len({s.country for s in specs}) == 4
    assert {s.cutoff is None for s in specs} == {True, False}
    assert {s.capacity_sheet for s in specs} == {True, False}
    assert {s.combined_fulfilment for s in specs} == {True, False}
    for step, (low, high) in enumerate([(0.35, 0.75), (0.08, 0.45), (0.35, 0.75), (0.55, 0.90), (0.80, 0.98)]):
        rates = [s.funnel[step] for s in specs]
        assert low <= min(rates) and max(rates) <= high
        assert max(rates) - min(rates) > (high - low) / 2, f"step {step} barely varies"
    for role in ("landing", "basket", "payment", "delivery"):
        assert len({s.ids[role] for s in specs}) >= 2, f"{role} always has the same id"
    assert len({s.activities["confirmation"] for s in specs}) >= 2
    slack = [s.capacity_slack for s in specs]
    assert min(slack) < 0.5 and max(slack) > 1.0
    healthy = [s for s in specs if s.healthy]
    assert 0.2 <= len(healthy) / len(specs) <= 0.5


def test_same_seed_same_bytes_and_different_seeds_differ(tmp_path, audits):
    spec = replace(draw_spec(5), orders_per_day=20.0)  # small: this test is about bytes, not size

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    make_business(5, tmp_path / "a", spec=spec)
    make_business(5, tmp_path / "b", spec=spec)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    # The family's folder too: regenerating a member gives the files the session audited.
    member = audits.get(SPECS[0]).truth.folder
    make_business(SPECS[0].seed, tmp_path / "again", spec=SPECS[0])
    assert digests(tmp_path / "again") == digests(member)
    other = make_business(6, tmp_path / "c", spec=replace(draw_spec(6), orders_per_day=20.0))
    assert digests(other.folder)["orders.csv"] != digests(tmp_path / "a")["orders.csv"]


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_generated_folder_passes_check(audits, spec):
    checked = audits.get(spec).checked
    problems = [f"{p.code} {p.file} {p.column}: {p.message}" for p in checked.data.problems]
    assert not checked.data.problems.has_errors, problems
    assert problems == [], "a generated folder should load without a single warning"
    assert {"orders", "survey", "feedback", "events", "campaigns"} <= set(checked.data.tables)


def test_generator_plants_what_its_truth_says(audits):
    """The instrument itself: planted effects have the size the truth claims; healthy businesses keep their promise."""
    for spec in SPECS:
        truth = audits.get(spec).truth
        m, kinds = truth.measured, set(truth.kinds)
        where = f"seed {spec.seed} ({truth.label()})"
        assert m["events_written"] <= 45_000 and m["orders"] <= 45_000, where
        if not kinds & {"stockout", "slow_packing", "carrier"}:
            assert m["late_share_in_stock"] < 0.05, where
        if kinds & {"slow_packing", "carrier"}:
            assert m["late_share_in_stock"] >= 0.10, where
        if "stockout" in kinds:
            assert m["backorder_share"] >= 0.04, where
        if "mobile_checkout" in kinds:
            rates = m["conversion checkout -> payment"]
            assert rates["desktop"] - rates["mobile"] >= 0.19, where
        if truth.healthy:
            rates = m["conversion checkout -> payment"]
            assert abs(rates["desktop"] - rates["mobile"]) <= 0.06, where


# ---------------------------------------------------------------------------------------------- properties of the audit

@pytest.mark.parametrize("spec", HEALTHY, ids=_id)
def test_healthy_business_may_market(audits, spec):
    got = _audited(audits, spec)
    assert got.record["verdict"] in ("READY TO MARKET", "MARKET WITH LIMITS"), \
        f"seed {spec.seed} is healthy but got {got.record['verdict']}: {got.result.verdict.capacity_basis.value} Top: {_top(got.record)}"
    # Page one never tells a healthy business to postpone its campaign, and states the data's last day.
    decision = got.result.decision
    assert decision.advice.value in ("go", "cap", "within_headroom"), f"seed {spec.seed}: {decision.advice}"
    assert decision.as_of == got.result.data.frame("orders")["ordered_at"].max().date()


@pytest.mark.parametrize("spec", SPECS, ids=_id)
def test_the_decision_takes_each_figure_from_one_model(audits, spec):
    """One headroom and one campaign late share, from the projection only when it reproduced history."""
    result = _audited(audits, spec).result
    decision, outlook = result.decision, result.outlook
    if outlook is None:
        assert decision.headroom is None
        return
    trusted = outlook.simulation is not None and outlook.simulation.reproduces_history
    assert decision.headroom.basis.value == ("projection" if trusted else "history")
    if decision.headroom_cross_check is not None:
        assert decision.headroom_cross_check.basis != decision.headroom.basis
    # "+X% on a usual N orders a week" adds up: the extra orders are the uplift on the one usual week.
    for room in (decision.headroom, decision.headroom_cross_check):
        if room is not None and room.status == "found" and room.extra_orders_per_week is not None:
            assert room.extra_orders_per_week == pytest.approx(room.uplift * decision.usual_orders_per_week, rel=0.02, abs=0.5)
    if decision.campaign is not None and decision.campaign.late_share is not None:
        expected = outlook.simulation.campaign_breach_share if trusted else outlook.projected_breach_rate
        assert decision.campaign.late_share == expected
    if any(w.money.measured for w in result.ranking.weak_spots) or not result.ranking.weak_spots:
        assert decision.money_at_stake_per_month == pytest.approx(result.fix_plan.money_at_stake)
    else:  # weak spots the data cannot price: "not measurable", never a false 0
        assert decision.money_at_stake_per_month is None
    assert [s.action.id for s in decision.schedule] and all(s.due > decision.as_of for s in decision.schedule) \
        if result.fix_plan.actions else decision.schedule == []


@pytest.mark.parametrize("spec", DEFECTIVE, ids=_id)
def test_planted_root_is_in_the_top_3(audits, spec):
    got = _audited(audits, spec)
    missing = [f"{d.kind} at {d.root} (rank {got.record['ranks'].get(d.root, 'none')})" for d in got.truth.defects
               if got.record["ranks"].get(d.root, 99) > 3]
    assert not missing, f"seed {spec.seed}: planted root not in the top 3: {', '.join(missing)}. Top: {_top(got.record)}"


@pytest.mark.parametrize("spec", [s for s in DEFECTIVE if any(d.kind in SYMPTOM_KINDS for d in s.defects)], ids=_id)
def test_cause_ranked_above_its_symptom(audits, spec):
    got = _audited(audits, spec)
    wrong = [f"{kind}: symptom {s} ranked above its cause {root}" for kind, root, s in symptoms_above_cause(got.record)]
    assert not wrong, f"seed {spec.seed}: {'; '.join(wrong)}. Top: {_top(got.record)}"


@pytest.mark.parametrize("spec", [s for s in DEFECTIVE if s.red_herrings], ids=_id)
def test_no_red_herring_above_a_planted_defect(audits, spec):
    got = _audited(audits, spec)
    above = herrings_above_defect(got.record)
    assert not above, (f"seed {spec.seed}: red herring above a planted root: "
                       + ", ".join(f"{h} ({'/'.join(got.record['herring_kinds'][h])}) above {root}" for h, root in above)
                       + f". Top: {_top(got.record)}")


# ------------------------------------------------------------------------------------------- accuracy over the family
# Realistic bars for a small family, not trivially met: a consultant needs the planted problem near the top nearly always,
# and a healthy business told to fix first at most once in this family.

def _figures(audits: FamilyAudits) -> dict:
    return summarise([a.record for a in audits.all()])


def _failing(figures: dict, name: str) -> str:
    return "\n".join(f"  seed {f['seed']} {f['label']}: {f['verdict']}; top 3: {', '.join(f['top3'])} {f['why']}"
                     for f in figures["failures"].get(name, []))


def test_family_recall_at_3(audits):
    figures = _figures(audits)
    assert figures["errors"] == 0, _failing(figures, "error")
    assert figures["recall_at_3"]["value"] >= 0.9, f"recall@3 {figures['recall_at_3']}\n" + _failing(figures, "recall_at_3")


def test_family_recall_at_1(audits):
    figures = _figures(audits)
    assert figures["errors"] == 0, _failing(figures, "error")
    assert figures["recall_at_1"]["value"] >= 0.75, f"recall@1 {figures['recall_at_1']}\n" + _failing(figures, "recall_at_1")


def test_family_false_fix_first(audits):
    figures = _figures(audits)
    assert figures["errors"] == 0, _failing(figures, "error")
    assert figures["false_fix_first"]["hits"] <= 1, f"false FIX FIRST {figures['false_fix_first']}\n" + _failing(figures, "false_fix_first")
