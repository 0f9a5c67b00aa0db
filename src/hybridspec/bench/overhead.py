"""``hybridspec bench overhead``: what the framework costs, measured against plain Keras.

(a) ``cold`` / ``inprocess``: ``hybridspec check`` against the time plain Keras takes to meet
    the same shape error, in a fresh process (imports included) and inside one process;
    ``examples``: in-process check time of each example spec;
(b) ``scaling``: check time for specs of 10 to 10,000 nodes, as a chain body and as a graph;
(c) ``build``: ``hybridspec.build`` against the equivalent hand-written functional code;
(d) ``train``: a train step of the built model against the hand-written one (same layers).

Compared things are timed alternately, and ratios are taken per pair, so drift cancels.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .. import check
from ..specs import (
    Activation,
    Chain,
    Dense,
    InputSpec,
    Merge,
    ModelSpec,
    Node,
    Output,
    SpecError,
    dumps,
    loads,
)
from ..specs.documents import write_atomic
from .cli import PARTS
from .timing import Ratio, Stats, clock
from .twins import ERROR_CASES, TWINS, ErrorCase, Twin


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


LIBRARY_CHECK = ("import sys, hybridspec as hs\ntry:\n    hs.check(hs.load(sys.argv[1]))\n"
                 "except hs.SpecError as e:\n    print(e, file=sys.stderr); sys.exit(1)")


def check_commands(path: str) -> dict[str, list[str]]:
    """The cold hybridspec commands: the library called from ``python -c`` and, where it is
    installed and works, the ``hybridspec check`` CLI."""
    out = {"library": [sys.executable, "-c", LIBRARY_CHECK, path]}
    exe = Path(sys.executable).with_name("hybridspec")
    if not exe.exists():
        found = shutil.which("hybridspec")
        exe = Path(found) if found else exe
    if exe.exists():
        probe = subprocess.run([str(exe), "check", path], capture_output=True, text=True, env=_env())
        if probe.returncode == 1 and "Traceback" not in probe.stderr:
            out["cli"] = [str(exe), "check", path]
    return out


COMMAND_NAMES = {"cli": "hybridspec check FILE", "library": "python -c 'hybridspec.check(hybridspec.load(FILE))'",
                 "keras": "python -c '<the hand-written Keras model>'"}


def keras_command(case: ErrorCase) -> list[str]:
    code = "import sys\ntry:\n" + "".join(f"    {line}\n" for line in case.keras.splitlines()) + \
        "except ValueError as e:\n    print(e, file=sys.stderr); sys.exit(1)\n"
    return [sys.executable, "-c", code]


def _run(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    return time.perf_counter() - t0, proc


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def import_profile(code: list[str], top: int = 8, runs: int = 1) -> dict[str, Any]:
    """Where a fresh process running ``python -X importtime *code`` spends its import time: the
    total (top-level imports' cumulative times) and the self time summed by top-level package,
    largest first; the fastest of ``runs`` processes."""
    profiles = [_import_profile(code, top) for _ in range(runs)]
    return min(profiles, key=lambda p: p["total_ms"])


def _import_profile(code: list[str], top: int) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *code], capture_output=True, text=True,
                          env=_env())
    by_package: dict[str, float] = {}
    total = 0.0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line[len("import time:"):].split("|")
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + int(self_us) / 1e3
        if not name.startswith("  "):  # a top-level import (nested ones are indented further)
            total += int(cumulative) / 1e3
    ranked = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return {"total_ms": total, "self_ms_by_package": dict(ranked)}


def byte_compile() -> bool:
    """Write hybridspec's bytecode (.pyc, and the attrs methods' cache) as installing and a first
    import do, so that a cold process reads compiled modules like Keras's, even where
    PYTHONDONTWRITEBYTECODE kept them from being written; False when the folder is read-only."""
    import compileall

    package = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in _env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import hybridspec"], env=env, check=True)  # attrs methods
    return bool(compileall.compile_dir(str(package), quiet=2))


def cold(tmp: Path, repeats: int, cases: tuple[ErrorCase, ...], profile_imports: bool = True,
         warm_first: bool = True) -> dict[str, Any]:
    """(a) fresh processes, alternating hybridspec and Keras, both from byte-compiled modules;
    one untimed run of each warms the
    operating system's file cache, so 'cold' means a cold interpreter, not a cold disk (with
    ``warm_first`` false, as in --quick, that first run is the first repetition)."""
    out: dict[str, Any] = {"cases": [], "commands": COMMAND_NAMES, "byte_compiled": byte_compile()}
    startup = [_run([sys.executable, "-c", "pass"])[0] for _ in range(max(3, repeats))]
    out["python_startup"] = Stats.of(startup).to_dict()
    for case in cases:
        path = tmp / f"{case.yaml.split()[1]}.yaml"
        path.write_text(case.yaml, encoding="utf-8")
        cmds = {**check_commands(str(path)), "keras": keras_command(case)}
        errors = {}
        times: dict[str, list[float]] = {key: [] for key in cmds}
        for key, cmd in cmds.items():
            seconds, proc = _run(cmd)
            if proc.returncode != 1:
                raise RuntimeError(f"{case.name}: {key} should fail with exit 1, got {proc.returncode}: "
                                   f"{proc.stderr[-300:]!r}")
            errors[key] = _first_line(proc.stderr)
            if not warm_first:
                times[key].append(seconds)
        for r in range(repeats - (0 if warm_first else 1)):
            keys = list(cmds)
            for key in (keys if r % 2 == 0 else keys[::-1]):
                times[key].append(_run(cmds[key])[0])
        row: dict[str, Any] = {"name": case.name, "errors": errors,
                               **{key: Stats.of(t).to_dict() for key, t in times.items()}}
        row["speedup"] = {key: Ratio.of(times["keras"], times[key]).to_dict() for key in cmds if key != "keras"}
        out["cases"].append(row)
    if profile_imports:
        first = str(tmp / f"{cases[0].yaml.split()[1]}.yaml")
        out["imports"] = {"import hybridspec": import_profile(["-c", "import hybridspec"], runs=3),
                          "hybridspec check FILE": import_profile(["-m", "hybridspec.cli", "check", first], runs=3),
                          "import keras": import_profile(["-c", "import keras"], 4)}
    return out


def inprocess(repeats: int, cases: tuple[ErrorCase, ...]) -> dict[str, Any]:
    """(a) inside one process (Keras imported already): check vs building until Keras raises."""
    import keras

    out: dict[str, Any] = {"cases": []}
    for case in cases:
        spec = loads(case.yaml)
        code = compile(case.keras, f"<{case.name}>", "exec")

        def run_check(spec: ModelSpec = spec) -> str:
            try:
                check(spec)
            except SpecError as err:
                return str(err)
            raise AssertionError("check accepted an invalid spec")

        def run_load_check(text: str = case.yaml) -> str:
            return run_check(loads(text))

        def run_keras(code: Any = code) -> str:
            try:
                exec(code, {})  # noqa: S102 (our own fixed program)
            except ValueError as err:
                return str(err)
            raise AssertionError("Keras accepted the invalid model")

        messages: dict[str, Any] = {"hybridspec_error": run_check(), "keras_error": run_keras().strip().splitlines()[0][:300]}
        times: dict[str, list[float]] = {"check": [], "load_check": [], "keras": []}
        for r in range(repeats):
            for key, fn in (("check", run_check), ("load_check", run_load_check), ("keras", run_keras)):
                times[key].append(clock(fn))
            if r % 5 == 4:
                keras.backend.clear_session()
        out["cases"].append({"name": case.name, **messages, **{k: Stats.of(v).to_dict() for k, v in times.items()},
                             "speedup": Ratio.of(times["keras"], times["check"]).to_dict()})
        keras.backend.clear_session()
    return out


def examples(repeats: int, folder: str | None) -> list[dict[str, Any]]:
    """In-process loads and check time of each example spec (ours, and the files in ``folder``)."""
    texts = {t.name: t.yaml for t in TWINS}
    if folder and Path(folder).is_dir():
        for path in sorted(Path(folder).glob("*.yaml")):
            texts[path.stem] = path.read_text(encoding="utf-8")
    out: list[dict[str, Any]] = []
    for name, text in texts.items():
        try:
            spec = loads(text)
            report = check(spec)
        except SpecError as err:
            out.append({"name": name, "error": str(err)})
            continue
        load_t = [clock(loads, text) for _ in range(repeats)]
        check_t = [clock(check, spec) for _ in range(repeats)]
        out.append({"name": name, "nodes": len(report.rows), "loads": Stats.of(load_t).to_dict(),
                    "check": Stats.of(check_t).to_dict()})
    return [e for e in out if "error" not in e] + [e for e in out if "error" in e]


def chain_spec(n: int) -> ModelSpec:
    """A body of ``n`` blocks: dense and activation alternating."""
    blocks = tuple(Dense(units=16) if i % 2 == 0 else Activation(name="relu") for i in range(n))
    return ModelSpec(name="chain", inputs={"x": InputSpec(shape=(16,))}, body=Chain(blocks=blocks))


def graph_spec(n: int) -> ModelSpec:
    """A graph of ``n`` named nodes: dense nodes, every fourth an add of the two before it."""
    nodes = {}
    for i in range(n):
        prev = "x" if i == 0 else f"n{i - 1}"
        if i % 4 == 3:
            nodes[f"n{i}"] = Node(from_=(prev, f"n{i - 2}"), block=Merge(mode="add"))
        else:
            nodes[f"n{i}"] = Node(from_=prev, block=Dense(units=16))
    return ModelSpec(name="graph", inputs={"x": InputSpec(shape=(16,))}, nodes=nodes,
                     outputs={"y": Output(from_=f"n{n - 1}")})


def scaling(sizes: list[int], budget_s: float) -> list[dict[str, Any]]:
    """(b) check time per node against the number of nodes; also the time to construct the
    spec in Python and to load it from YAML (once each)."""
    out = []
    for shape, make in (("chain body", chain_spec), ("graph nodes", graph_spec)):
        for n in sizes:
            t0 = time.perf_counter()
            spec = make(n)
            construct = time.perf_counter() - t0
            first = clock(check, spec)
            reps = max(3, min(30, int(budget_s / max(first, 1e-6))))
            times = [clock(check, spec) for _ in range(reps)]
            stats = Stats.of(times)
            text = dumps(spec)
            load = clock(loads, text)
            out.append({"shape": shape, "nodes": n, "rows": len(check(spec).rows), "check": stats.to_dict(),
                        "check_us_per_node": stats.median / n * 1e6, "spec_us_per_node": construct / n * 1e6,
                        "yaml_loads_us_per_node": load / n * 1e6})
    return out


def _classes(model: Any) -> Counter[str]:
    return Counter(type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer")


def build(repeats: int, twins: tuple[Twin, ...]) -> list[dict[str, Any]]:
    """(c) ``hybridspec.build`` (check included) vs the hand-written functional code."""
    import keras

    from .. import build as hs_build

    out = []
    for twin in twins:
        spec = loads(twin.yaml)
        built, hand = hs_build(spec), twin.hand()
        same = built.count_params() == hand.count_params() and _classes(built) == _classes(hand)
        if not same:
            raise RuntimeError(f"{twin.name}: the hand-written twin differs from the built model: "
                               f"{built.count_params()} vs {hand.count_params()} params, "
                               f"{dict(_classes(built))} vs {dict(_classes(hand))}")
        b_t: list[float] = []
        h_t: list[float] = []
        c_t: list[float] = []
        for r in range(repeats):
            pair: list[tuple[list[float], Any, tuple[Any, ...]]] = [(b_t, hs_build, (spec,)), (h_t, twin.hand, ())]
            for times, fn, args in (pair if r % 2 == 0 else pair[::-1]):
                keras.backend.clear_session()
                times.append(clock(fn, *args))
            c_t.append(clock(check, spec))
        keras.backend.clear_session()
        out.append({"name": twin.name, "layers": len(built.layers), "params": built.count_params(),
                    "built": Stats.of(b_t).to_dict(), "hand": Stats.of(h_t).to_dict(),
                    "check": Stats.of(c_t).to_dict(), "ratio": Ratio.of(b_t, h_t).to_dict()})
    return out


def _batch(model: Any, n: int) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    xs = []
    for inp in model.inputs:
        shape = (n, *(d or 16 for d in inp.shape[1:]))
        xs.append(rng.integers(1, 1000, shape).astype("int32") if "int" in str(inp.dtype)
                  else rng.standard_normal(shape).astype("float32"))
    units = model.outputs[0].shape[-1]
    y = rng.integers(0, 2, (n, 1)).astype("float32") if units == 1 else rng.integers(0, units, (n,))
    return (xs[0] if len(xs) == 1 else xs), y


def train(repeats: int, warmup: int, twins: tuple[Twin, ...]) -> list[dict[str, Any]]:
    """(d) ``train_on_batch`` of the built model vs the hand-written one, alternating steps."""
    import keras

    from .. import build as hs_build

    out = []
    for twin in (t for t in twins if t.train):
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        built, hand = hs_build(loads(twin.yaml)), twin.hand()
        copied = True
        try:
            hand.set_weights(built.get_weights())
        except ValueError:
            copied = False
        for model in (built, hand):
            model.compile(optimizer="adam", loss=twin.loss)
        x, y = _batch(built, twin.batch)
        steps = {key: (lambda m=m, x=x, y=y: m.train_on_batch(x, y))
                 for key, m in (("built", built), ("hand", hand))}
        for fn in steps.values():
            for _ in range(warmup + 1):
                fn()
        times: dict[str, list[float]] = {"built": [], "hand": []}
        for r in range(repeats):
            order = ["built", "hand"] if r % 2 == 0 else ["hand", "built"]
            for key in order:
                times[key].append(clock(steps[key]))
        out.append({"name": twin.name, "batch": twin.batch, "same_weights": copied,
                    "jit_compile": [str(getattr(m, "jit_compile", None)) for m in (built, hand)],
                    "built": Stats.of(times["built"]).to_dict(), "hand": Stats.of(times["hand"]).to_dict(),
                    "ratio": Ratio.of(times["built"], times["hand"]).to_dict()})
    keras.backend.clear_session()
    return out


def run(out_dir: str | Path | None, quick: bool = False, repeats: int | None = None,
        parts: list[str] | tuple[str, ...] = PARTS, examples_dir: str | None = "examples",
        quiet: bool = False) -> dict[str, Any]:
    """Run the selected parts; write overhead.json, overhead.md and the scaling plot."""
    import tempfile

    from .machine import describe, load_average, quiet_tensorflow, select_device

    phases: dict[str, float] = {}
    current: list[Any] = ["start", time.perf_counter()]

    def say(text: str) -> None:
        """Announce a phase; the one before it gets its duration in ``phases_s``."""
        now = time.perf_counter()
        phases[current[0]] = now - current[1]
        current[:] = [text, now]
        if not quiet and text != "done":
            print(text, flush=True)

    started = time.time()
    n = repeats
    doc: dict[str, Any] = {"benchmark": "overhead", "quick": quick, "parts": list(parts),
                           "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started))}
    quiet_tensorflow()
    if "cold" in parts:  # first, before this process imports TensorFlow and competes for memory
        say("(a) cold processes: hybridspec check vs plain Keras")
        with tempfile.TemporaryDirectory() as tmp:
            doc["cold"] = cold(Path(tmp), n or (1 if quick else 5), ERROR_CASES[:1] if quick else ERROR_CASES,
                               profile_imports=not quick, warm_first=not quick)
    # check-only parts next, still without TensorFlow in the process: that is how `hybridspec
    # check` runs, and a 10,000-node check with TensorFlow loaded pays for full garbage
    # collections of TensorFlow's heap (measured 31 instead of 13 us/node)
    doc["tensorflow_loaded_for_check_parts"] = "tensorflow" in sys.modules
    if "examples" in parts:
        say("check time of the example specs")
        doc["examples"] = examples(n or (5 if quick else 200), examples_dir)
    if "scaling" in parts:
        say("(b) check time against spec size")
        doc["scaling"] = scaling([10, 100, 1000] if quick else [10, 30, 100, 300, 1000, 3000, 10000],
                                 0.2 if quick else 2.0)
    device = select_device("auto")
    doc["machine"] = describe(device)
    if "inprocess" in parts:
        say("(a) in-process: check vs plain Keras")
        doc["inprocess"] = inprocess(n or (5 if quick else 30), ERROR_CASES)
    if "build" in parts:
        say("(c) build vs hand-written Keras")
        doc["build"] = build(n or (2 if quick else 15), TWINS[:2] if quick else TWINS)
    if "train" in parts:
        say("(d) train step: built vs hand-written")
        doc["train"] = train(n or (3 if quick else 40), 1 if quick else 5, TWINS[:1] if quick else TWINS)
    say("done")
    doc["phases_s"] = phases
    doc["machine"]["load_average_at_end"] = load_average()
    doc["wall_s"] = time.time() - started
    if out_dir is not None:
        write_outputs(doc, Path(out_dir))
    return doc


def write_outputs(doc: dict[str, Any], out: Path) -> list[Path]:
    from .markdown import overhead_markdown
    from .plots import scaling_plot

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "overhead.json"]
    write_atomic(written[0], json.dumps(doc, indent=1, default=str) + "\n")
    written.append(out / "overhead.md")
    write_atomic(written[-1], overhead_markdown(doc))
    if "scaling" in doc:
        written.append(scaling_plot(doc, out))
    doc["files"] = [str(p) for p in written]
    return written
