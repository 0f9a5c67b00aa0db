"""The machine a benchmark ran on, the device it used, and its measured matmul peak."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from typing import Any

from .timing import Stats, clock

POLICY_DTYPE = {"float32": "float32", "mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ start-up chatter out of the table (unless the user set a level)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def select_device(device: str) -> str:
    """``cpu`` or ``gpu`` for ``auto``/``cpu``/``gpu``. For ``cpu`` the GPUs are hidden from
    TensorFlow (through CUDA_VISIBLE_DEVICES when TensorFlow is not imported yet), because
    Keras picks its cuDNN path whenever a GPU is visible, whatever the device scope."""
    if device not in ("auto", "cpu", "gpu"):
        raise ValueError(f"device must be auto, cpu or gpu; got {device!r}")
    quiet_tensorflow()
    if device == "cpu" and "tensorflow" not in sys.modules:
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # retracing notes: the suite makes many small functions
    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu" and gpus:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError as exc:
            raise RuntimeError("--device cpu: TensorFlow already started on the GPU in this "
                               "process; run the benchmark in a fresh process") from exc
        return "cpu"
    for gpu in gpus if device != "cpu" else []:
        try:  # TensorFlow takes all GPU memory by default, which would starve the PyTorch peer
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # already initialized in this process
    if device == "gpu" and not gpus:
        raise RuntimeError("--device gpu: TensorFlow sees no GPU (CUDA build, driver and "
                           "CUDA_VISIBLE_DEVICES decide that)")
    return "gpu" if gpus and device != "cpu" else "cpu"


def tf_device(device: str) -> str:
    return "/GPU:0" if device == "gpu" else "/CPU:0"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def nvidia_smi() -> list[dict[str, str]]:
    """GPU name, driver and memory from nvidia-smi, where it exists."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=name,driver_version,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=20,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = [[part.strip() for part in line.split(",")] for line in out.strip().splitlines()]
    return [{"name": r[0], "driver": r[1], "memory": r[2]} for r in rows if len(r) == 3]


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def describe(device: str) -> dict[str, Any]:
    """CPU model and cores, GPUs with driver, and the TensorFlow, Keras, CUDA and cuDNN versions."""
    import tensorflow as tf

    build = dict(tf.sysconfig.get_build_info())
    smi = nvidia_smi()
    gpus = []
    for i, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        details = tf.config.experimental.get_device_details(gpu)
        row = {"name": details.get("device_name", gpu.name),
               "compute_capability": ".".join(map(str, details.get("compute_capability", ()))) or None}
        if i < len(smi):
            row.update(driver=smi[i]["driver"], memory=smi[i]["memory"])
        gpus.append(row)
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_gb": memory_gb(),
        "load_average_at_start": load_average(),
        "device": device,
        "gpus": gpus,
        "versions": {
            "hybridspec": version("hybridspec"),
            "tensorflow": tf.__version__,
            "keras": version("keras"),
            "numpy": version("numpy"),
            "torch": version("torch"),
            "cuda": build.get("cuda_version"),
            "cudnn": build.get("cudnn_version"),
        },
        "tensorflow": {
            "cuda_build": bool(build.get("is_cuda_build")),
            "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or "default",
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads() or "default",
            "tensor_float_32": (tf.config.experimental.tensor_float_32_execution_enabled()
                                if gpus else None),
        },
    }


def matmul_peak(dtypes: list[str], size: int, device: str, repeats: int = 10) -> dict[str, Any]:
    """The best and median GFLOP/s of a square ``size`` matmul in each dtype, measured now."""
    import tensorflow as tf

    out: dict[str, Any] = {}
    with tf.device(tf_device(device)):
        for dtype in dtypes:
            a = tf.cast(tf.random.normal((size, size), seed=1), dtype)
            b = tf.cast(tf.random.normal((size, size), seed=2), dtype)
            fn = tf.function(lambda a, b: tf.reduce_sum(tf.cast(tf.matmul(a, b), tf.float32)))
            fn(a, b).numpy()
            fn(a, b).numpy()
            stats = Stats.of([clock(_numpy, fn, a, b) for _ in range(repeats)])
            flops = 2 * size ** 3
            out[dtype] = {"size": size, "repeats": repeats, "gflops_best": flops / stats.minimum / 1e9,
                          "gflops_median": flops / stats.median / 1e9, "spread": stats.spread}
    return out


def _numpy(fn: Any, *args: Any) -> Any:
    return fn(*args).numpy()


def peak_dtypes(policies: set[str], device: str) -> list[str]:
    """float32 always; on GPUs float16 and bfloat16 too; on CPUs those the suite uses."""
    wanted = {"float32"} | {POLICY_DTYPE[p] for p in policies}
    if device == "gpu":
        wanted |= {"float16", "bfloat16"}
    return [d for d in ("float32", "float16", "bfloat16") if d in wanted]
