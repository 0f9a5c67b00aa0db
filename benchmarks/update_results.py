"""Regenerate RESULTS.md's tables and figures from the benchmarks' JSON.

    python -m benchmarks.update_results [--results benchmarks/results] [--doc benchmarks/RESULTS.md]

Every ``<!-- bench:NAME -->`` ... ``<!-- /bench:NAME -->`` block of the document is replaced by
the table NAME rendered from ``rnn-cpu.json``, ``rnn-cpu-backends.json`` (``bench rnn --backend``)
and ``overhead.json``; the prose between blocks is left alone. The PNG plots are copied into ``benchmarks/figures/``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hybridspec.bench import markdown as md

HERE = Path(__file__).resolve().parent
Render = Callable[[dict[str, Any]], str]


def _run_line(doc: dict[str, Any], command: str) -> str:
    when = f" on {doc['started']}" if "started" in doc else ""
    return f"`{command}`{when}, {doc['wall_s'] / 60:.1f} min. " + md.machine_line(doc["machine"])


RNN_BLOCKS: dict[str, Render] = {
    "rnn-run": lambda d: _run_line(d, f"hybridspec bench rnn --suite {d['suite']['name']}") + "\n\nMatmul peak "
    "measured in the same run: " + md.peaks_line(d) + f" PyTorch OpenMP wait policy: "
    f"{d['machine'].get('torch_omp_wait_policy')}.\n",
    "rnn-results": md.rnn_results_table,
    "rnn-peer": md.rnn_peer_table,
    "rnn-variants": md.rnn_variant_table,
    "rnn-anatomy": md.anatomy_tables,
}
BACKEND_BLOCKS: dict[str, Render] = {
    "backends-run": lambda d: md.backends_run_line(d) + "\n",
    "backends-summary": md.backends_summary_table,
    "backends-paths": md.backends_path_table,
    "backends-tables": md.backends_family_tables,
}
OVERHEAD_BLOCKS: dict[str, Render] = {
    "overhead-run": lambda d: _run_line(d, "hybridspec bench overhead") + "\n",
    "targets": md.targets_table,
    **{f"overhead-{key}": render for key, _, render in md.OVERHEAD_SECTIONS},
}


def replace_block(text: str, name: str, content: str) -> tuple[str, bool]:
    pattern = re.compile(rf"(<!-- bench:{re.escape(name)} -->\n).*?(<!-- /bench:{re.escape(name)} -->)", re.S)
    new, count = pattern.subn(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text)
    return new, bool(count)


def update(results: Path, doc_path: Path, figures: Path, suite: str = "cpu") -> list[str]:
    """Rewrite the blocks of ``doc_path``; return what was done, for the log."""
    text = doc_path.read_text(encoding="utf-8")
    done = []
    sources = ((f"rnn-{suite}.json", RNN_BLOCKS), (f"rnn-{suite}-backends.json", BACKEND_BLOCKS),
               ("overhead.json", OVERHEAD_BLOCKS))
    for filename, blocks in sources:
        path = results / filename
        if not path.exists():
            done.append(f"skipped {filename} (not found under {results})")
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for name, render in blocks.items():
            try:
                content = render(data)
            except KeyError:  # a part that was not run
                done.append(f"no data for {name}")
                continue
            text, found = replace_block(text, name, content)
            done.append(f"{'updated' if found else 'no block for'} {name}")
    doc_path.write_text(text, encoding="utf-8")
    figures.mkdir(parents=True, exist_ok=True)
    for png in sorted(list(results.glob(f"rnn-{suite}-*.png")) + list(results.glob("overhead-*.png"))):
        shutil.copyfile(png, figures / png.name)
        done.append(f"copied {png.name}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--doc", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--figures", type=Path, default=HERE / "figures")
    parser.add_argument("--suite", default="cpu")
    args = parser.parse_args(argv)
    for line in update(args.results, args.doc, args.figures, args.suite):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
