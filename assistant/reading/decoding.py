"""Bytes to text: UTF-8, UTF-16/32 by their BOM, or a legacy code page that fits; binary and oversized files refused."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

# Whole-file formats are read into memory at once; .jsonl is read a line at a time, so this
# bounds one record there and a feed of any size can be indexed.
MAX_FILE_MB = 20
# A file is binary rather than text when more than this share of its characters are control codes.
MAX_CONTROL_SHARE = 0.1
# charset-normalizer's "chaos" (0..1) above which a legacy-encoding guess is not trusted.
MAX_CHAOS = 0.05


class Unreadable(Exception):
    """A file or record that cannot become an Article; the message is the reason shown to the user."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def load_text(path: Path) -> str:
    limit = MAX_FILE_MB * 1024 * 1024
    try:
        size = path.stat().st_size
        if size > limit:
            raise Unreadable(
                f"{size / 1024 / 1024:.1f} MB is larger than the {MAX_FILE_MB:g} MB limit for one file "
                "(split it, or use .jsonl, which is read a record at a time)"
            )
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read file: {error.strerror or error}") from None
    text = decode(data)
    if not text.strip():
        raise Unreadable("empty file")
    return text


BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A well-formed multi-byte UTF-8 sequence: its presence means the file was meant as UTF-8.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (BOM or not), UTF-16/32 by their BOM, else a legacy encoding if one fits.

    A legacy encoding (Latin-1, cp1252, cp1251, ...) is taken only when the file holds no UTF-8
    at all and charset-normalizer finds a clean fit: a UTF-8 file with a few broken bytes is
    reported, since decoding it as cp1252 would turn every accented letter into mojibake in the
    index and in quoted citations without a word.
    """
    if not data.strip():
        raise Unreadable("empty file")
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return _text(data.decode(codec))
            except UnicodeDecodeError as error:
                raise Unreadable(f"not valid {codec.upper()} text (bad bytes at offset {error.start})") from None
    if b"\x00" in data:
        raise Unreadable("binary file (not text)")
    try:
        return _text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.start + 1].hex().upper()
        if _UTF8_SEQUENCE.search(data):
            raise Unreadable(f"not valid UTF-8 text (byte 0x{bad} in an otherwise UTF-8 file)", line) from None
        guessed = legacy_decode(data)
        if guessed is None:
            raise Unreadable(f"not valid UTF-8 text, and no other encoding fits (byte 0x{bad})", line) from None
        return _text(guessed)


def legacy_decode(data: bytes) -> str | None:
    """The text in a single-byte legacy encoding, when charset-normalizer finds one that fits cleanly."""
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(data) if not codecs.lookup(m.encoding).name.startswith(("utf-16", "utf-32"))]
    if not matches or matches[0].chaos > MAX_CHAOS:
        return None  # (UTF-16/32 without a BOM are left out above: they are guesses about binary data)
    best = matches[0]
    # Short Western text fits several code pages equally well (é is é in cp1250 too, ê is not):
    # on a tie, take cp1252, the usual legacy encoding of Western European news.
    for match in matches:
        if "cp1252" in match.could_be_from_charset and (match.chaos, -match.coherence) <= (best.chaos, -best.coherence):
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                break
    return str(best)


def _text(text: str) -> str:
    """The text, unless so much of it is control codes that it is a binary file."""
    sample = text[:65536]
    if sample and len(_CONTROL_CHARS.findall(sample)) > MAX_CONTROL_SHARE * len(sample):
        raise Unreadable("binary file (not text)")
    return text
