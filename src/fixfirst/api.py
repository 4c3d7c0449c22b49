"""The library's front door: `audit(folder or engagement)` gives an `Audit`, its results typed and its report writers."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path
from typing import Any, Literal, cast, overload

from .capacity import CapacityOutlook, parse_uplift
from .config import Engagement
from .decision import Decision, FixPlan
from .errors import FixfirstError, InputProblems, Problem
from .ingest import IngestResult, ingest
from .journey import Journey
from .memory import MemoryEngagement, memory_problems
from .pipeline import AUDIT_STAGES, AuditResult, CheckResult, audit_from, run_audit
from .present import formatter_for, ranking_payload, verdict_summary
from .progress import NoProgress, Progress
from .report import assets_dir, offline_html, render_html, write_html, write_pdf_file, write_reports, write_workbook
from .scoring import Ranking, WeakSpot
from .signals import SignalSet

# The four verdicts (fixfirst.decision.verdict), as `Audit.verdict` and the score JSON's verdict.status give them.
VerdictStatus = Literal["FIX FIRST", "MARKET WITH LIMITS", "READY TO MARKET", "NOT ENOUGH DATA"]
PathLike = str | os.PathLike[str]
# A notebook shows the repr on one line: the client's name is cut here so the whole line stays short.
REPR_NAME_CHARS = 60
# The notebook table lists this many weak spots by name; the count gives the rest.
HTML_WEAK_SPOTS = 5


def audit(source: PathLike | Engagement, *, uplift: float | str | None = None, progress: Progress | None = None) -> Audit:
    """Run the whole audit of an engagement folder (holding audit.yaml) or of an in-memory engagement
    (`fixfirst.engagement_from_frames`), as `fixfirst score` does, and return its results.

    `uplift` replaces the campaign plan's expected extra demand, as `fixfirst capacity --uplift` does: a fraction
    (0.4) or a percentage text ("40%"). `progress` receives the stages as they run (fixfirst.progress.Progress).

    Nothing is written: an audit of a folder is not kept in its audits/ folder (the CLI keeps one unless
    --no-snapshot). Raises FixfirstError (cause and fix) when the folder or its configuration cannot be used, and
    InputProblems (a FixfirstError whose `.problems` lists every problem, located) when the data has errors.
    """
    wanted_uplift = _uplift(uplift)
    if isinstance(source, MemoryEngagement):
        return Audit(_audit_in_memory(source, progress, wanted_uplift))
    if isinstance(source, Engagement):
        source = source.folder
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"fixfirst.audit() takes an engagement folder or an Engagement, not {type(source).__name__}")
    return Audit(run_audit(Path(os.fspath(source)), progress, uplift=wanted_uplift))


def _uplift(value: float | str | None) -> float | None:
    """The uplift as a fraction, checked by the rule `fixfirst capacity --uplift` uses."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FixfirstError(f"uplift {value!r} is not a number", "give a fraction such as 0.4, or a percentage text such as '40%'")
    try:
        if isinstance(value, str):
            return parse_uplift(value)
        # A number is a fraction (0.4 is 40%, 1.5 is 150%): written as a percentage, it meets the CLI's checks.
        parse_uplift(f"{float(value) * 100!r}%")
        return float(value)
    except ValueError as exc:
        raise FixfirstError(f"uplift: {exc}", "give a fraction such as 0.4, or a percentage text such as '40%'") from None


def _audit_in_memory(engagement: MemoryEngagement, progress: Progress | None, uplift: float | None) -> AuditResult:
    """The folder audit's stages on an in-memory engagement: its journey is given, and nothing is looked for on disk
    (no checklist answers, no action register)."""
    progress = progress or NoProgress()
    progress.start(len(engagement.audit.sources) + AUDIT_STAGES)
    data = ingest(engagement, engagement.journey, progress)
    if data.problems.has_errors:
        raise memory_problems(list(data.problems))
    try:
        return audit_from(CheckResult(engagement, engagement.journey, data), progress, uplift=uplift)
    except InputProblems as exc:
        raise memory_problems(exc.problems) from None


class Audit:
    """One audit's results, read-only, and the report written from them.

    Every figure is the one `fixfirst score --json` and the report show: `to_json()` is that JSON. The full
    computation is `result` (fixfirst.decision.AuditResult).
    """

    __slots__ = ("_result",)

    def __init__(self, result: AuditResult) -> None:
        self._result = result

    # --- results --------------------------------------------------------------------------------------------------

    @property
    def result(self) -> AuditResult:
        """Everything the audit computed (the engagement, the data read, signals, ranking, capacity, verdict, plan)."""
        return self._result

    @property
    def engagement(self) -> Engagement:
        return self._result.engagement

    @property
    def client(self) -> str:
        """The client's name, as audit.yaml gives it."""
        return self._result.engagement.audit.client.name

    @property
    def journey(self) -> Journey:
        return self._result.journey

    @property
    def verdict(self) -> VerdictStatus:
        """FIX FIRST, MARKET WITH LIMITS, READY TO MARKET or NOT ENOUGH DATA (the facts behind it: `result.verdict`)."""
        return cast(VerdictStatus, self._result.verdict.status)

    @property
    def summary(self) -> str:
        """What to do with the planned campaign, in one sentence: page one's decision (the JSON's verdict.summary)."""
        return verdict_summary(self._result, formatter_for(self._result.engagement.audit.client))

    @property
    def decision(self) -> Decision:
        """Page one as numbers: the campaign advice, the headroom, the money at stake, the dated plan."""
        return self._result.decision

    @property
    def ranking(self) -> Ranking:
        """Every touchpoint scored (`assessed`), the weak spots among them (`weak_spots`), the journey chain."""
        return self._result.ranking

    @property
    def weak_spots(self) -> list[WeakSpot]:
        """The weak spots, worst first (money at stake, then score), as the report ranks them."""
        return self._result.ranking.weak_spots

    @property
    def fix_plan(self) -> FixPlan:
        """The playbook's fixes for the weak spots, quick wins first, and the KPIs to watch."""
        return self._result.fix_plan

    @property
    def capacity(self) -> CapacityOutlook | None:
        """The capacity outlook (order history, projection, headroom); None without orders."""
        return self._result.outlook

    @property
    def signals(self) -> SignalSet:
        """Every friction signal measured, with the funnel, feedback, KPIs, drivers and process map behind them."""
        return self._result.signals

    @property
    def data(self) -> IngestResult:
        """The sources as read: one typed table per kind (`data.frame("orders")`) and every data problem."""
        return self._result.data

    @property
    def problems(self) -> list[Problem]:
        """The data problems found (warnings: rows left out, guesses made); an audit with errors raises instead."""
        return list(self._result.data.problems)

    @property
    def as_of(self) -> dt.date:
        """The data's last day: the audit judges the business as of this date."""
        return self._result.as_of

    @property
    def generated_on(self) -> dt.date:
        """The day the audit ran."""
        return self._result.generated_on

    @property
    def in_memory(self) -> bool:
        """True for an audit of an in-memory engagement (no folder: its report has no "Since the last audit")."""
        return isinstance(self._result.engagement, MemoryEngagement)

    # --- outputs --------------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The audit as `fixfirst score --json` prints it (schema fixfirst.score/2, docs/score-json.md), parsed."""
        # Through the JSON text, as a reader of the CLI's output gets it: the same values, plain Python types.
        return cast("dict[str, Any]", json.loads(json.dumps(ranking_payload(self._result), ensure_ascii=False)))

    @overload
    def to_html(self, path: None = None) -> str: ...

    @overload
    def to_html(self, path: PathLike) -> Path: ...

    def to_html(self, path: PathLike | None = None) -> str | Path:
        """The report as one offline HTML page (`fixfirst report -f html`): its text, or written to `path` (atomically)
        and the path returned."""
        if path is None:
            return offline_html(self._report_html(), assets_dir())
        return self._write("html", path)

    def to_pdf(self, path: PathLike) -> Path:
        """Write the client's PDF report to `path` (atomically, as `fixfirst report` does) and return the path."""
        return self._write("pdf", path)

    def to_xlsx(self, path: PathLike) -> Path:
        """Write the Excel workbook (action register, weak spots, signals, KPIs, data problems) to `path`."""
        return self._write("xlsx", path)

    def _write(self, name: str, path: PathLike) -> Path:
        target = Path(os.fspath(path)).expanduser()
        if target.is_dir():
            raise FixfirstError(f"{target}: is a folder", f"give a file name, e.g. {target / ('fixfirst-report.' + name)}")
        if not target.parent.is_dir():
            raise FixfirstError(f"{target}: the folder {target.parent} does not exist", "create it first, or write elsewhere")
        if not self.in_memory:
            return write_reports(self._result, {name: target})[0]
        # Without a folder there is no earlier audit to compare with: the report is rendered without that section.
        if name == "xlsx":
            return write_workbook(self._result, target)
        if name == "html":
            return write_html(self._report_html(), target, assets_dir())
        write_pdf_file(self._report_html(), target)
        return target

    def _report_html(self) -> str:
        """The report's HTML, as `fixfirst report` renders it (an in-memory audit: without "Since the last audit")."""
        return render_html(self._result, with_history=not self.in_memory)

    # --- display --------------------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        name = " ".join(self.client.split())
        if len(name) > REPR_NAME_CHARS:
            name = name[: REPR_NAME_CHARS - 1] + "…"
        count = len(self.weak_spots)
        return f"<fixfirst.Audit {name!r} as of {self.as_of.isoformat()}: {self.verdict}, {count} weak spot{'s' * (count != 1)}>"

    def _repr_html_(self) -> str:
        """A small summary table for notebooks; every client-given text is escaped."""
        spots = self.weak_spots
        named = ", ".join(f"{s.rank}. {s.touchpoint.name}" for s in spots[:HTML_WEAK_SPOTS])
        more = f" and {len(spots) - HTML_WEAK_SPOTS} more" if len(spots) > HTML_WEAK_SPOTS else ""
        warnings = len(self._result.data.problems.warnings)
        rows = [("Client", self.client), ("As of", self.as_of.isoformat()), ("Verdict", self.verdict),
                ("Decision", self.summary), ("Weak spots", f"{len(spots)}" + (f": {named}{more}" if spots else "")),
                ("Data warnings", f"{warnings:,}")]
        body = "".join(f"<tr><th style=\"text-align:left\">{html.escape(k)}</th><td style=\"text-align:left\">{html.escape(v)}</td></tr>"
                       for k, v in rows)
        return f"<table class=\"fixfirst-audit\"><caption>fixfirst audit</caption>{body}</table>"
