"""The live terminal view: a results table that grows row by row above a progress bar.

On a terminal it redraws in place (rich's Live); elsewhere (make, CI logs, pipes) it prints one
plain line per finished configuration and the full table at the end.
"""

from __future__ import annotations

from typing import Any

COLUMNS = ("config", "kernel", "cuDNN", "median ms", "min ms", "spread", "reps", "seq/s",
           "steps/s", "GFLOP/s", "% peak", "spec/hand", "Keras/PyTorch", "variants")


def fmt_ratio(r: dict[str, Any] | None) -> str:
    return "" if not r else f"{r['median']:.2f}"


def _si(x: float) -> str:
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def row_cells(result: dict[str, Any]) -> tuple[str, ...]:
    """One table row from a configuration's result."""
    if "error" in result:
        return (result["name"], "error", "", "", "", "", "", "", "", "", "", "", "", result["error"][:60])
    spec = result["candidates"]["spec"]
    t = spec["time"]
    ratios = result["ratios"]
    variants = " ".join(f"{k}×{v['median']:.2f}" for k, v in ratios.get("speedup", {}).items())
    eligible = "yes" if result["cudnn"]["eligible"] else ("n/a" if result["cudnn"]["status"] == "n/a" else "no")
    return (result["name"], spec["kernel"], eligible, f"{t['median_s'] * 1e3:.3g}", f"{t['min_s'] * 1e3:.3g}",
            f"{t['spread'] * 100:.0f}%", str(t["repeats"]), _si(spec["seq_per_s"]), _si(spec["steps_per_s"]),
            f"{spec['gflops']:.3g}", f"{spec['peak_fraction'] * 100:.0f}%" if spec.get("peak_fraction") else "",
            fmt_ratio(ratios.get("overhead", {}).get("spec_vs_hand")),
            fmt_ratio(ratios.get("peer", {}).get("keras_vs_torch")), variants)


class Display:
    """Table and progress bar for ``total`` configurations."""

    def __init__(self, title: str, total: int, quiet: bool = False) -> None:
        from rich.console import Console

        self.console = Console(stderr=False)
        if not self.console.is_terminal:
            self.console = Console(width=max(self.console.width, 200), stderr=False)
        self.title, self.total, self.quiet = title, total, quiet
        self.rows: list[tuple[str, ...]] = []
        self.live: Any = None
        self.progress: Any = None
        self.task: Any = None

    def table(self) -> Any:
        from rich.table import Table

        table = Table(title=self.title, title_justify="left")
        for i, column in enumerate(COLUMNS):
            table.add_column(column, justify="left" if i < 3 or i == len(COLUMNS) - 1 else "right")
        for row in self.rows:
            table.add_row(*row)
        return table

    def __enter__(self) -> Display:
        if self.quiet:
            return self
        from rich.console import Group
        from rich.live import Live
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self.console)
        self.task = self.progress.add_task("starting", total=self.total)
        if self.console.is_terminal:
            self.live = Live(Group(self.table(), self.progress), console=self.console,
                             refresh_per_second=4)
            self.live.__enter__()
        return self

    def status(self, text: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=text)
        if self.live is None and not self.quiet:
            self.console.print(f"  {text}", highlight=False)

    def add(self, result: dict[str, Any]) -> None:
        self.rows.append(row_cells(result))
        if self.progress is not None:
            self.progress.advance(self.task)
        if self.live is not None:
            from rich.console import Group

            self.live.update(Group(self.table(), self.progress))
        elif not self.quiet:
            self.console.print(" | ".join(c for c in self.rows[-1] if c), highlight=False)

    def note(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, highlight=False)

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.progress.update(self.task, description="done")
            self.live.__exit__(*exc)
        elif not self.quiet and self.rows:
            self.console.print(self.table())
