"""Reading corpus text files: UTF-8 only, each failure an InputError naming the file."""

from __future__ import annotations

from pathlib import Path

from mvc.errors import InputError

ENCODING = "utf-8-sig"  # UTF-8; a leading byte-order mark is dropped, not kept in the text


def read_text(path: Path) -> str:
    """The whole file as text; missing, unreadable or non-UTF-8 files raise InputError."""
    try:
        return path.read_text(encoding=ENCODING)
    except FileNotFoundError:
        raise InputError(path, "file not found",
                         "check the corpus root and its layout") from None
    except UnicodeDecodeError as err:
        raise InputError(path, f"not valid UTF-8 (byte {err.object[err.start]:#04x} at offset "
                               f"{err.start})",
                         "re-encode it as UTF-8, e.g. iconv -f latin1 -t utf-8") from None
    except OSError as err:
        raise InputError(path, f"unreadable ({err.strerror})",
                         "check the file's permissions") from None


def read_lines(path: Path) -> list[str]:
    """The file's lines without line endings (LF or CRLF); line i of the file is item i-1.

    Splits on newlines only (unlike str.splitlines, which also breaks at form feeds and
    Unicode separators), so reported line numbers match what an editor shows.
    """
    text = read_text(path)
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and not lines[-1]:
        lines.pop()
    return lines


def require_text(text: str, where: str | Path) -> str:
    """`text` without surrounding whitespace; an empty text raises InputError at `where`."""
    text = text.strip()
    if not text:
        raise InputError(where, "empty transcript text",
                         "write the utterance's text, or remove the utterance from the corpus")
    return text


def read_transcript(path: Path) -> str:
    """A one-utterance transcript file (VCTK, LibriTTS): its stripped, non-empty text."""
    return require_text(read_text(path), path)


def numbered_lines(path: Path) -> list[tuple[str, str]]:
    """(`path:LINE`, line) for each non-blank line: the `where` of every error on that line."""
    return [(f"{path}:{number}", line)
            for number, line in enumerate(read_lines(path), start=1) if line.strip()]


def split_fields(line: str, where: str, names: tuple[str, ...], separator: str = "|") -> list[str]:
    """The stripped fields of a delimited transcript line; a wrong field count raises InputError."""
    fields = line.split(separator)
    if len(fields) != len(names):
        raise InputError(where, f"{len(fields)} fields separated by {separator!r}",
                         f"each line must have {len(names)}: {separator.join(names)}")
    return [field.strip() for field in fields]
