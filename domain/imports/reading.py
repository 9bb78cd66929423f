"""Reading an import file: its identity (a digest of its bytes, kind and mapping) and its
rows, by the line each starts on, in chunks.

The file is read as UTF-8 (a BOM is skipped); bytes that are not UTF-8 are kept as
surrogates (surrogateescape), so that the row holding them is refused with its line
(rows.check_row) instead of the whole file failing to decode. A field may be up to
MAX_FIELD_CHARS long (the rules refuse long ones with a reason); a row with another number
of fields than the header is refused whole."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.errors import ErrorCode
from domain.imports.formats import ColumnMapping, FormatError, ImportKind, header_positions
from domain.imports.rows import UNREADABLE, RowProblem

MAX_FIELD_CHARS = 1_000_000
_BLOCK_BYTES = 1 << 20

# The line a row starts on, and its fields in the order of CsvFile.headers' keys (a tuple:
# rows go to worker processes, and a tuple pickles at twice the speed of a dict).
Row = tuple[int, tuple[str, ...]]


def file_digest(path: Path, kind: ImportKind, mapping: ColumnMapping, identity: str = "") -> str:
    """An import's identity: import_digest of the file's bytes' sha256."""
    content = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK_BYTES):
            content.update(block)
    return import_digest(kind, mapping, content.hexdigest(), identity)


def import_digest(
    kind: ImportKind, mapping: ColumnMapping, content_sha256: str, identity: str = ""
) -> str:
    """sha256 of the kind, the mapping, the sha256 of the file's bytes and what else makes
    the import another (`identity`: kinds.Steps.identity, such as a purchases file's
    earning). The bytes' own digest, not the bytes, so that an upload (hashed as it
    arrives) names its import without being read again."""
    text = f"{kind.value}\n{mapping.canonical()}\n{content_sha256}"
    return hashlib.sha256(f"{text}\n{identity}".encode() if identity else text.encode()).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of the file: the well-formed ones, and the refused ones' problems."""

    rows: list[Row]
    problems: list[RowProblem]


class CsvFile:
    """A file's header, checked when opened, and its rows in chunks."""

    def __init__(self, path: Path, kind: ImportKind, mapping: ColumnMapping) -> None:
        self.path = path
        self.kind = kind
        self.mapping = mapping
        with self._open() as f:
            try:
                header = next(self._reader(f), None)
            except csv.Error as error:
                raise FormatError(f"the header is not CSV: {error}") from None
        if header is None:
            raise FormatError("the file is empty: the first line is the header")
        if any(UNREADABLE.search(name) for name in header):
            raise FormatError("the header is not UTF-8 text")
        self.positions = header_positions(header, kind, mapping)
        self.width = len(header)
        names = [name.strip() for name in header]
        # Our column -> its name in the file, for the report; a Row's fields are in this
        # order.
        self.headers = {ours: names[i] for ours, i in self.positions.items()}

    def estimated_rows(self) -> int:
        """The file's lines less the header (rows, unless fields span lines): for progress."""
        lines = 0
        last = b"\n"
        with self.path.open("rb") as f:
            while block := f.read(_BLOCK_BYTES):
                lines += block.count(b"\n")
                last = block[-1:]
        return max(0, lines + (last != b"\n") - 1)

    def _open(self):  # type: ignore[no-untyped-def]
        return self.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")

    def _reader(self, f):  # type: ignore[no-untyped-def]
        csv.field_size_limit(MAX_FIELD_CHARS)
        return csv.reader(f, delimiter=self.mapping.delimiter, strict=True)

    def chunks(self, size: int, after_line: int = 0) -> Iterator[Chunk]:
        """The rows after the header, `size` at a time, skipping those starting at or
        before `after_line`. Blank lines are skipped."""
        rows: list[Row] = []
        problems: list[RowProblem] = []
        with self._open() as f:
            reader = self._reader(f)
            next(reader)
            start = reader.line_num + 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    problems.append(
                        RowProblem(start, None, ErrorCode.INVALID.value, f"Not CSV: {error}.")
                    )
                    start = reader.line_num + 1
                    continue
                line, start = start, reader.line_num + 1
                if line <= after_line or not record:
                    continue
                if len(record) != self.width:
                    problems.append(
                        RowProblem(
                            line,
                            None,
                            ErrorCode.INVALID.value,
                            f"{len(record)} fields where the header has {self.width}.",
                        )
                    )
                else:
                    rows.append((line, tuple(record[i] for i in self.positions.values())))
                if len(rows) + len(problems) >= size:
                    yield Chunk(rows, problems)
                    rows, problems = [], []
        if rows or problems:
            yield Chunk(rows, problems)
