"""Article files uploaded through the chat window, saved into the seeds folder under safe names."""

from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..reading.decoding import MAX_FILE_MB
from ..reading.folder import SUFFIXES

MAX_NAME_CHARS = 100


@dataclass
class Saved:
    """What an upload did: files written into the seeds folder, and files refused with the reason."""

    written: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def safe_name(name: str) -> str | None:
    """A plain file name for the seeds folder, or None when nothing usable is left.

    Only the last path component is kept (so "../../x.txt" and "/etc/x.txt" become "x.txt"),
    reduced to letters, digits, dots, dashes and underscores, never hidden, never empty.
    """
    name = re.split(r"[\\/]", name or "")[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, suffix = name.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()
    if not dot or not stem or not suffix:
        return None
    return f"{stem[: MAX_NAME_CHARS - len(suffix) - 1]}.{suffix}"


def save_uploads(paths: Iterable[str | Path], seeds_dir: Path, names: Iterable[str] | None = None) -> Saved:
    """Copy uploaded files into seeds_dir; an existing file of the same name is kept and the new one renamed."""
    saved = Saved()
    seeds = Path(seeds_dir)
    seeds.mkdir(parents=True, exist_ok=True)
    root = seeds.resolve()
    files = [Path(p) for p in paths]
    for path, original in zip(files, list(names) if names is not None else [p.name for p in files]):
        name = safe_name(original)
        if name is None or Path(name).suffix not in SUFFIXES:
            kinds = ", ".join(sorted(SUFFIXES))
            saved.refused.append(f"{original}: not an article file (accepted: {kinds})")
            continue
        size = path.stat().st_size
        if size > MAX_FILE_MB * 1024 * 1024:
            saved.refused.append(f"{original}: {size / 1024 / 1024:.1f} MB, over the {MAX_FILE_MB:g} MB limit")
            continue
        target = free_target(root, name, path)
        if target is None:
            saved.written.append(f"{name} (already there, unchanged)")
            continue
        # The name is a single plain component, but check anyway: nothing may land outside seeds/.
        if target.parent.resolve() != root or target.is_symlink():
            saved.refused.append(f"{original}: refused, it would not land inside {seeds}")
            continue
        shutil.copyfile(path, target)
        saved.written.append(target.name)
    return saved


def free_target(root: Path, name: str, source: Path) -> Path | None:
    """Where to write: the name itself, or name-2, name-3...; None when an identical file is already there."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        target = root / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not target.exists() and not target.is_symlink():
            return target
        if target.is_file() and not target.is_symlink() and same_bytes(target, source):
            return None
    raise OSError(f"too many files named like {name} in {root}")


def same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
