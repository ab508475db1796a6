"""Load the book's tabular data, validated against data/datapackage.json.

Every chapter reads its data through `load(name)`. Loading validates the resource
against its Frictionless schema (types, required values, enums, ranges, unique keys)
and checks that every `source_id` is a key of the bibliography. Any problem stops the
caller with a `DataError` that names the file, the row and the column, so a wrong
number can never reach a chart silently.
"""
from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
BIB_FILES = sorted(REPO_ROOT.glob("references*.bib"))


class DataError(ValueError):
    """A data file breaks its schema or cites an unknown source."""


def bibliography_keys(bib_files=None) -> frozenset[str]:
    """All citation keys defined in the book's BibTeX files."""
    return _bibliography(bib_files)[1]


def _bibliography(bib_files=None) -> tuple[dict, frozenset[str]]:
    files = tuple(bib_files or BIB_FILES)
    return _parse_bibliography(tuple((str(f), Path(f).stat().st_mtime) for f in files))


@functools.lru_cache(maxsize=8)
def _parse_bibliography(files_and_mtimes) -> tuple[dict, frozenset[str]]:
    """Entries and keys of the BibTeX files, parsed once per state of the files (keyed on mtimes)."""
    from pybtex.database import parse_file

    entries = {}
    for path, _ in files_and_mtimes:
        entries.update(parse_file(path, bib_format="bibtex").entries)
    return entries, frozenset(entries)


def short_citation(key: str) -> str:
    """'Organisation or first author (year)' for a bibliography key."""
    entry = _bibliography()[0].get(key)
    if entry is None:
        return key
    people = entry.persons.get("author") or entry.persons.get("editor")
    if people:
        who = " ".join(people[0].last_names)
        if len(people) > 1:
            who += " et al."
    else:
        who = entry.fields.get("organization") or entry.fields.get("publisher") or entry.fields.get("title", key)
    year = entry.fields.get("year") or entry.fields.get("date", "")[:4] or "n.d."
    return f"{_strip_braces(who)} ({year})"


def _strip_braces(text: str) -> str:
    return text.replace("{", "").replace("}", "").replace("\\&", "&")


def split_source_ids(value) -> list[str]:
    """A source_id cell may name several works, separated by semicolons."""
    if pd.isna(value):
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def unknown_source_problems(frame: pd.DataFrame, path: Path, keys) -> list[str]:
    """One message per row whose source_id is missing or not in the bibliography."""
    if "source_id" not in frame.columns:
        return [f"{display_path(path)}: no source_id column (every row needs a source)"]
    problems = []
    for position, value in enumerate(frame["source_id"], start=1):
        ids = split_source_ids(value)
        if not ids:
            problems.append(f"{display_path(path)}, row {position} (line {position + 1}), column source_id: missing source id")
        for source_id in ids:
            if source_id not in keys:
                problems.append(
                    f"{display_path(path)}, row {position} (line {position + 1}), column source_id: "
                    f"unknown source id {source_id!r} (not a key in references*.bib)"
                )
    return problems


def load(name: str, data_dir: Path | str = DATA_DIR) -> pd.DataFrame:
    """Return the validated resource `name` of the data package as a DataFrame.

    Columns get the types the schema declares (integers, numbers, booleans, dates as
    text in ISO form). A copy is returned, so a reader may change it freely.
    """
    data_dir = Path(data_dir)
    descriptor = data_dir / "datapackage.json"
    resource = _resource_descriptor(descriptor, name)
    path = data_dir / resource["path"]
    frame = _load_validated(str(path), path.stat().st_mtime, str(descriptor), descriptor.stat().st_mtime, name)
    return frame.copy()


@functools.lru_cache(maxsize=64)
def _load_validated(path: str, mtime: float, descriptor: str, descriptor_mtime: float, name: str) -> pd.DataFrame:
    path = Path(path)
    resource = _resource_descriptor(Path(descriptor), name)
    problems = schema_problems(Path(descriptor), name)
    if problems:
        raise DataError(_summary(path, problems))
    frame = _read_typed(path, resource["schema"])
    problems = unknown_source_problems(frame, path, bibliography_keys())
    if problems:
        raise DataError(_summary(path, problems))
    return frame


def schema_problems(descriptor: Path, name: str) -> list[str]:
    """Validate one resource against its Frictionless schema (types, constraints, unique and
    foreign keys); one message per problem, naming file, row and column."""
    from frictionless import Package

    resource = Package(str(descriptor)).get_resource(name)
    path = Path(descriptor).parent / resource.path
    report = resource.validate(limit_errors=100)
    problems = []
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None)
            where = display_path(path)
            if row is not None:
                where += f", row {row - 1} (line {row})"
            if field:
                where += f", column {field}"
            problems.append(f"{where}: {error.type.replace('-', ' ')}: {error.note or error.message}")
    for error in report.errors:
        problems.append(f"{display_path(path)}: {error.message}")
    return problems


def _read_typed(path: Path, schema: dict) -> pd.DataFrame:
    """Read a validated CSV with the schema's types, as plain numpy dtypes where no value is
    missing (int, bool), floats with NaN for numbers, and text as Python strings."""
    kinds = {field["name"]: field.get("type", "string") for field in schema["fields"]}
    frame = pd.read_csv(path, dtype={name: "string" for name in kinds}, keep_default_na=False, na_values=[""])
    for name, kind in kinds.items():
        column = frame[name]
        if kind in ("integer", "number"):
            numbers = pd.to_numeric(column).astype("float64")
            frame[name] = numbers.astype("int64") if kind == "integer" and numbers.notna().all() else numbers
        elif kind == "boolean":
            flags = column.str.lower().map({"true": True, "false": False})
            frame[name] = flags.astype(bool) if flags.notna().all() else flags.astype(object)
        else:
            frame[name] = pd.Series([None if pd.isna(v) else v for v in column], index=frame.index, dtype=object)
    return frame


@functools.lru_cache(maxsize=4)
def _descriptor(descriptor: Path, mtime: float) -> dict:
    import json

    return json.loads(Path(descriptor).read_text(encoding="utf-8"))


def _resource_descriptor(descriptor: Path, name: str) -> dict:
    resources = {r["name"]: r for r in _descriptor(Path(descriptor), Path(descriptor).stat().st_mtime)["resources"]}
    if name not in resources:
        raise DataError(f"{display_path(descriptor)}: no resource named {name!r}; known: {', '.join(sorted(resources))}")
    return resources[name]


def display_path(path: Path) -> str:
    """A path as a reader finds it in the repository (relative where possible)."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _summary(path: Path, problems: list[str]) -> str:
    shown = problems[:20]
    more = f"\n... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return f"{display_path(path)} failed validation ({len(problems)} problem(s)):\n" + "\n".join(shown) + more
