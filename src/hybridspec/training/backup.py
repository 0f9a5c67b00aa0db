"""Resume after a crash: Keras's BackupAndRestore made atomic, and a history file that spans
runs. A SIGKILL at any moment leaves the previous backup or the next one, never a torn one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..specs.documents import write_atomic


def backup_callback(backup_dir: Path, every: str | int) -> Any:
    """``keras.callbacks.BackupAndRestore`` whose saves are switched in atomically: each save
    writes a new ``state-*`` folder (Keras's own weights and metadata files), then repoints the
    ``latest`` symlink to it with one rename, then removes the older folders."""
    import keras

    class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(str(backup_dir), save_freq=every, double_checkpoint=False)
            self._use(backup_dir / "latest")

        def _use(self, folder: Path) -> None:
            self._weights_path = str(folder / "latest.weights.h5")
            self._training_metadata_path = str(folder / "training_metadata.json")

        def _save_model(self) -> None:
            backup_dir.mkdir(parents=True, exist_ok=True)
            state = Path(tempfile.mkdtemp(dir=backup_dir, prefix="state-"))
            self._use(state)
            super()._save_model()
            link = backup_dir / f".latest-{state.name}"
            os.symlink(state.name, link)
            os.replace(link, backup_dir / "latest")
            self._use(backup_dir / "latest")
            for old in backup_dir.glob("state-*"):
                if old != state:
                    shutil.rmtree(old, ignore_errors=True)

    return AtomicBackupAndRestore()


def backup_epoch(backup_dir: Path) -> int | None:
    """The number of epochs the backup in ``backup_dir`` has completed, or None."""
    metadata = backup_dir / "latest" / "training_metadata.json"
    return int(json.loads(metadata.read_text())["epoch"]) if metadata.exists() else None


def read_history(path: Path) -> dict[str, list[float]]:
    """history.csv as columns (empty if there is none)."""
    if not path.exists():
        return {}
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    keys = [k for k in (rows[0] if rows else {}) if k != "epoch"]
    return {k: [float(r[k]) for r in rows] for k in keys}


def write_history(history: dict[str, list[float]], path: Path) -> None:
    keys = list(history)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for epoch, row in enumerate(zip(*(history[k] for k in keys), strict=True), start=1):
        writer.writerow([epoch, *(f"{float(v):.6g}" for v in row)])
    write_atomic(path, text.getvalue())


def history_callback(path: Path) -> Any:
    """Writes history.csv atomically after every epoch. When fit resumes from a backup at
    epoch k, the first k rows of the earlier run are kept, so every epoch appears once."""
    import keras

    class HistoryFile(keras.callbacks.Callback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = {}

        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            start = getattr(self.model, "_initial_epoch", None) or 0
            earlier = read_history(path) if start else {}
            self.history = {k: v[:start] for k, v in earlier.items()}

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            write_history(self.history, path)

    return HistoryFile()


def best_callback(monitor: str, weights: Path, history: Path) -> Any:
    """Keeps the weights of the epoch with the lowest ``monitor`` in ``weights`` (written
    atomically), and puts them back at the end, also when the best epoch ran before a resume."""
    import keras

    from ..specs.documents import replacing

    class BestWeights(keras.callbacks.Callback):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.best = float("inf")

        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            start = getattr(self.model, "_initial_epoch", None) or 0
            earlier = read_history(history).get(monitor, [])[:start] if weights.exists() else []
            self.best = min(earlier, default=float("inf"))

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            value = (logs or {}).get(monitor)
            if value is not None and value < self.best:
                self.best = value
                with replacing(weights, ".weights.h5") as tmp:
                    self.model.save_weights(tmp)

        def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
            if weights.exists():
                self.model.load_weights(weights)

    return BestWeights()
