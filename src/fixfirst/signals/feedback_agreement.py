"""How well feedback tagging and complaint detection agree with human labels (precision, recall, Cohen's kappa)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class TagAgreement:
    """Touchpoint tags against human reason labels, for one touchpoint.

    Recall: of the items whose human reason maps to the touchpoint, the share tagged to it.
    Precision: of the items tagged to it that carry an informative reason, the share whose reason maps to it.
    One item has one human reason but may mention several touchpoints, so precision is a lower bound.
    """

    touchpoint: str
    reasons: tuple[str, ...]
    labelled: int  # items whose reason maps to the touchpoint (recall's n)
    recalled: int
    tagged_with_reason: int  # items tagged to the touchpoint with an informative reason (precision's n)
    precise: int

    @property
    def recall(self) -> float:
        return self.recalled / self.labelled if self.labelled else float("nan")

    @property
    def precision(self) -> float:
        return self.precise / self.tagged_with_reason if self.tagged_with_reason else float("nan")

    def describe(self) -> str:
        return (f"{self.touchpoint} ({', '.join(self.reasons)}): recall {self.recall:.1%} (n={self.labelled:,}), "
                f"precision {self.precision:.1%} (n={self.tagged_with_reason:,})")


@dataclass(frozen=True)
class BinaryAgreement:
    """A yes/no judgement (complaint) against a human yes/no label, as a 2x2 table."""

    both: int
    predicted_only: int
    labelled_only: int
    neither: int

    @property
    def n(self) -> int:
        return self.both + self.predicted_only + self.labelled_only + self.neither

    @property
    def precision(self) -> float:
        predicted = self.both + self.predicted_only
        return self.both / predicted if predicted else float("nan")

    @property
    def recall(self) -> float:
        labelled = self.both + self.labelled_only
        return self.both / labelled if labelled else float("nan")

    @property
    def accuracy(self) -> float:
        return (self.both + self.neither) / self.n if self.n else float("nan")

    @property
    def kappa(self) -> float:
        """Cohen's kappa: agreement beyond what the two marginal rates give by chance."""
        if not self.n:
            return float("nan")
        p_yes = (self.both + self.predicted_only) / self.n
        l_yes = (self.both + self.labelled_only) / self.n
        chance = p_yes * l_yes + (1 - p_yes) * (1 - l_yes)
        return (self.accuracy - chance) / (1 - chance) if chance < 1 else float("nan")

    def describe(self) -> str:
        return (f"precision {self.precision:.1%}, recall {self.recall:.1%}, accuracy {self.accuracy:.1%}, "
                f"Cohen's kappa {self.kappa:.3f} (n={self.n:,})")


def binary_agreement(predicted, labelled) -> BinaryAgreement:
    """Cross-tabulate two aligned boolean sequences; missing values count as False."""
    p = pd.Series(predicted).fillna(False).to_numpy(dtype=bool)
    y = pd.Series(labelled).fillna(False).to_numpy(dtype=bool)
    if len(p) != len(y):
        raise ValueError(f"predicted has {len(p)} items but labelled has {len(y)}")
    return BinaryAgreement(int((p & y).sum()), int((p & ~y).sum()), int((~p & y).sum()), int((~p & ~y).sum()))


def tag_agreement(tags: pd.Series, reasons: pd.Series, reasons_by_touchpoint: Mapping[str, Collection[str]],
                  uninformative: Collection[str] = ()) -> list[TagAgreement]:
    """Recall and precision of each touchpoint's tags against aligned human reasons (one reason or NaN per item).

    `uninformative` reasons (such as "Can't Tell") are left out of precision's base: they neither confirm nor refute a tag.
    """
    if len(tags) != len(reasons):
        raise ValueError(f"tags has {len(tags)} items but reasons has {len(reasons)}")
    reason = pd.Series(reasons).astype("string").reset_index(drop=True)  # categoricals would refuse comparisons with new labels
    informative = (reason.notna() & ~reason.isin(list(uninformative))).to_numpy(dtype=bool)
    tag_lists = pd.Series(tags).reset_index(drop=True)
    results = []
    for touchpoint, mapped in reasons_by_touchpoint.items():
        tagged = tag_lists.map(lambda t, tp=touchpoint: tp in t).to_numpy(dtype=bool)
        matches = reason.isin(list(mapped)).fillna(False).to_numpy(dtype=bool)
        results.append(TagAgreement(
            touchpoint=touchpoint, reasons=tuple(mapped), labelled=int(matches.sum()), recalled=int((tagged & matches).sum()),
            tagged_with_reason=int((tagged & informative).sum()), precise=int((tagged & matches).sum()),
        ))
    return results


def macro_average(values) -> float:
    """Unweighted mean that skips undefined (NaN) figures."""
    finite = [v for v in values if not np.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")
