"""Calls to a Chroma server, with a lost or refused connection turned into one clear StoreUnavailable error."""

from __future__ import annotations

from typing import Any, Callable


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached right now; the message says which one."""


def unreachable(error: BaseException) -> bool:
    """True for the errors a server that is down, restarting or unreachable gives."""
    import httpx

    if isinstance(error, (httpx.TransportError, ConnectionError)):
        return True
    # chromadb's own wording when the client cannot reach the server at construction
    return isinstance(error, ValueError) and "Could not connect to a Chroma server" in str(error)


def _explain(url: str, error: BaseException) -> StoreUnavailable:
    reason = str(error) or type(error).__name__
    return StoreUnavailable(
        f"The Chroma server at {url} cannot be reached ({reason}). Start it (chroma run --path DIR --host H "
        "--port P), or try again when it is back."
    )


def connect(make_client: Callable[[], Any], url: str) -> "Guarded":
    """A client made by `make_client`, whose calls report a lost server as StoreUnavailable."""
    try:
        return Guarded(make_client(), url)
    except Exception as error:
        if unreachable(error):
            raise _explain(url, error) from error
        raise


class Guarded:
    """Passes everything through to a chromadb client or collection, translating connection errors.

    The client keeps no broken state: once the server is back, the next call simply works.
    """

    def __init__(self, inner: Any, url: str):
        self._inner = inner
        self._url = url

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = value(*args, **kwargs)
            except Exception as error:
                if unreachable(error):
                    raise _explain(self._url, error) from error
                raise
            # Collections come back from the client: guard them as well.
            return Guarded(result, self._url) if type(result).__name__ == "Collection" else result

        return call
