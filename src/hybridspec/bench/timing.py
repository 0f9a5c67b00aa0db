"""Repetition statistics and the interleaved runner.

Candidates that are compared (spec-built vs hand-written, Keras vs PyTorch, cuDNN vs generic)
are timed in rounds: every round calls each candidate once, in an order that rotates from
round to round, so slow drifts of the machine (other processes, clocks, caches) hit all of
them alike. A ratio is then computed pairwise within each round and summarized by its median
and quartiles, which cancels drift that a ratio of two separate medians would keep.
Candidates of different runtimes (TensorFlow, PyTorch) are grouped within a round rather than
alternated call by call, and each group starts with an untimed call, because each runtime's
worker threads spin for a while after a call and steal the cores from the other.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile with linear interpolation (numpy's default)."""
    if not values:
        raise ValueError("quantile of no values")
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@attrs.frozen
class Stats:
    """Seconds per call over the timed repetitions."""

    repeats: int
    median: float
    minimum: float
    maximum: float
    p25: float
    p75: float

    @classmethod
    def of(cls, times: Sequence[float]) -> Stats:
        return cls(len(times), quantile(times, 0.5), min(times), max(times),
                   quantile(times, 0.25), quantile(times, 0.75))

    @property
    def spread(self) -> float:
        """The interquartile range relative to the median."""
        return (self.p75 - self.p25) / self.median if self.median else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"repeats": self.repeats, "median_s": self.median, "min_s": self.minimum,
                "max_s": self.maximum, "p25_s": self.p25, "p75_s": self.p75, "spread": self.spread}


@attrs.frozen
class Ratio:
    """The per-round ratio a/b of two candidates: median and quartiles."""

    n: int
    median: float
    p25: float
    p75: float

    @classmethod
    def of(cls, a: Sequence[float], b: Sequence[float]) -> Ratio:
        ratios = [x / y for x, y in zip(a, b, strict=True) if y > 0]
        return cls(len(ratios), quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75))

    @property
    def within_noise(self) -> bool:
        """Whether 1.0 lies within the interquartile range of the per-round ratios."""
        return self.p25 <= 1.0 <= self.p75

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "median": self.median, "p25": self.p25, "p75": self.p75,
                "within_noise": self.within_noise}


@attrs.define
class Timed:
    """Something to time: ``call`` runs one synchronized step. ``group`` is its runtime."""

    key: str
    call: Callable[[], Any]
    group: str = "tf"
    times: list[float] = attrs.field(factory=list)
    first_s: float = 0.0

    @property
    def stats(self) -> Stats:
        return Stats.of(self.times)


def clock(fn: Callable[..., Any], *args: Any) -> float:
    """Seconds that ``fn(*args)`` takes."""
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def warm(items: Sequence[Timed], warmup: int) -> float:
    """First call (tracing, compiling) then ``warmup`` more; returns one round's estimated time."""
    estimate = 0.0
    for item in items:
        item.first_s = clock(item.call)
        last = item.first_s
        for _ in range(warmup):
            last = clock(item.call)
        estimate += last
    return estimate


def plan(estimate_s: float, repeats: int, min_repeats: int, budget_s: float | None) -> int:
    """Rounds to run: ``repeats``, fewer if the budget runs out, never below ``min_repeats``."""
    if budget_s is None or estimate_s <= 0:
        return repeats
    return max(min(repeats, int(budget_s / estimate_s)), min(min_repeats, repeats))


def interleave(items: Sequence[Timed], rounds: int,
               on_round: Callable[[int], None] | None = None) -> None:
    """Time every item once per round, rotating the order of the groups and within each.

    When a round moves from one runtime group to another, one untimed call of the new group
    comes first: right after TensorFlow returns, its worker threads still spin, and the first
    PyTorch call that meets them was measured 100x slower than the next one on 2 cores."""
    groups: dict[str, list[Timed]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    order = list(groups.values())
    gc_was = gc.isenabled()
    gc.disable()  # a collection inside one timed call would land on one candidate only
    try:
        for r in range(rounds):
            g = r % len(order)
            for members in order[g:] + order[:g]:
                k = r % len(members)
                if len(order) > 1:
                    members[k].call()
                for item in members[k:] + members[:k]:
                    item.times.append(clock(item.call))
            if on_round is not None:
                on_round(r)
            gc.collect(0)  # the young generation only: a full collection takes ~0.3 s with TF loaded
    finally:
        if gc_was:
            gc.enable()
