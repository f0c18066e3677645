"""What this CPU offers the embedder: its feature flags, the weight type to run with, its cores, kernel cache bounds."""

from __future__ import annotations

import os
from pathlib import Path

DTYPES = ("auto", "float32", "bfloat16")

# CPU features that make bfloat16 matrix products fast (AVX-512 BF16 dot products, AMX tiles).
# Without them torch emulates bfloat16 and it is slower than float32.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The feature flags of this CPU (Linux); empty where /proc/cpuinfo does not exist."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def resolve_dtype(dtype: str, device: str = "cpu", flags: frozenset[str] | None = None) -> str:
    """The weight type to run with: "auto" is bfloat16 on a CPU with native bfloat16 maths, else float32.

    bfloat16 vectors measured a mean cosine of 0.9999 to float32 ones here, and the same
    Hits@5 on rtqa-2022 (docs/performance.md), at about twice the speed.
    """
    if dtype not in DTYPES:
        raise ValueError(f"embedding_dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if dtype != "auto":
        return dtype
    if device != "cpu":
        return "float32"  # only CPU runtimes were measured; a GPU user can still ask for bfloat16
    return "bfloat16" if (cpu_flags() if flags is None else flags) & BF16_FLAGS else "float32"


def cpu_threads() -> int:
    """Cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def limit_kernel_caches() -> None:
    """Bound the caches of compiled matrix kernels that torch keeps per input shape.

    torch's oneDNN kernels (the bfloat16/AMX path) are compiled and cached per input shape,
    and length-sorted batches have a new shape almost every time. Uncapped, the two caches
    grew resident memory by ~190 MB per 6,000 chunks embedded, without levelling off; capped,
    memory stays flat at the same speed. Read when torch first builds a kernel, so this must
    run before the model loads; a value already in the environment wins.
    """
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", KERNEL_CACHE_SHAPES)
    os.environ.setdefault("LRU_CACHE_CAPACITY", KERNEL_CACHE_SHAPES)  # torch's ideep cache of the same kernels


KERNEL_CACHE_SHAPES = "64"
