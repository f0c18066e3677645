"""The embedder: sentence-transformers on a local model, one encode at a time, small calls on one thread."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

from .cpu import cpu_threads, limit_kernel_caches, resolve_dtype
from .models import model_path
from .vectors import pool, unit_rows

ENCODING = threading.Lock()


class _SmallFirst:
    """Who waits for ENCODING: a rebuild's next batch steps aside while a question's small call waits.

    threading.Lock is not fair: a thread releasing it and asking again at once (a rebuild going
    from batch to batch) nearly always wins, and a question would wait for the whole rebuild.
    """

    def __init__(self) -> None:
        self.waiting = 0
        self._count = threading.Lock()

    @contextmanager
    def turn(self, small: bool) -> Iterator[None]:
        if small:
            with self._count:
                self.waiting += 1
            try:
                ENCODING.acquire()
            finally:
                with self._count:
                    self.waiting -= 1
        else:
            while self.waiting:
                time.sleep(0.002)
            ENCODING.acquire()
        try:
            yield
        finally:
            ENCODING.release()


SMALL_FIRST = _SmallFirst()
# Calls this small (a query, an answer's candidate sentences) run on one thread: splitting tiny
# matrix products across cores costs more in synchronisation than it saves, and when another
# process holds a core the second thread stalls the first (measured 10x slower at load 5).
SMALL_CALL = 32
# Batches are padded to a multiple of this many tokens (padding is masked: the vectors do not
# change). Few distinct tensor shapes let the allocator reuse the blocks the previous batch
# freed: with a new shape every batch, glibc's heap fragmented and resident memory grew ~140 MB
# per 1,000 chunks without levelling off, and the cure tried before (every large tensor in
# fresh mmap pages) made the kernel zero each page anew, a third of the embedding time.
# Measured on 4,096 chunks: 103 chunks/s at a flat ~800 MB, against 62 chunks/s before.
PAD_TO_MULTIPLE = 32
PADDED = {"text": {"pad_to_multiple_of": PAD_TO_MULTIPLE}}


class Embedder(Protocol):
    """What the stages need of an embedder: its name and width, and vectors for texts and their spans."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Unit-length vectors, one row per text."""
        ...

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]] | None]
    ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Each text's vector and a vector per character span of it (None where a text has none)."""
        ...


class SentenceEmbedder:
    """The real embedder. The model loads on first use, so planning an index costs nothing."""

    def __init__(self, name: str, batch_size: int = 32, device: str = "cpu", dtype: str = "auto"):
        self.name = name
        self.batch_size = batch_size
        self.device = device
        self.dtype = resolve_dtype(dtype, device)
        self.path = model_path(name)
        self._model: Any = None
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
                from .fused_layers import fuse_checked

                self.fused = fuse_checked(model)
            model.eval()  # once here: `_forward` relies on it, as `encode` would set it per call
            self._model = model
        return self._model

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded (a rebuild with nothing to embed never loads it)."""
        return self._model is not None

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @contextmanager
    def _encoding(self, n: int, bulk: bool | None = None) -> Iterator[Any]:
        """The model, for one call of `n` texts at a time.

        torch's thread count is process-wide: changed by one question while another was being
        encoded, it gave wrong bfloat16 vectors now and then under concurrent chat sessions
        (tests/test_load.py). One encode at a time; each already uses every core it is given.
        The count is put back afterwards, so whatever else runs torch in this process (the
        eval's naive pipeline, a caller's own model) is not left on one thread by a question.
        """
        self.calls += n
        model = self.model
        many = n > SMALL_CALL if bulk is None else bulk
        with SMALL_FIRST.turn(small=not many):
            if self.device != "cpu":
                yield model
                return
            before = self._set_threads(cpu_threads() if many else 1)
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
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[np.ndarray | None] = [None] * len(texts)
        # Sorted by length and fed a batch at a time, as `encode` itself would: each batch pads
        # to nearly one length, and only one batch of token vectors is held at once.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        bulk = len(texts) > SMALL_CALL
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = [texts[i] for i in rows]
            # The model is taken a batch at a time, not for the whole call: a question asked
            # while a rebuild embeds hundreds of chunks waits for one batch, not for all of them.
            with self._encoding(len(batch), bulk) as model:
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
                    wanted = spans[i]
                    if wanted is not None and n == len(offs):
                        pooled[i] = pool(out["token_embeddings"][:n].float().cpu().numpy(), offs, wanted)
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
