"""The reference regions of the three countries, shipped with the app and loaded by
``flask catalog load-regions UZ|MN|VN`` (and by the demo data).

The data: one UTF-8 CSV per country, ``registry/catalog/data/regions-<COUNTRY>.csv``.

* Leading ``#`` lines first. ``# key: value`` lines with a key below are read; any other
  ``#`` line is a comment for the reader:

  - ``source`` - which texts the names follow; ``date`` - the date of those texts;
    ``compiled`` - when and how the file was put together (free text);
  - ``default`` - the language whose name becomes a new region's default ``name``;
  - ``required`` - the languages every row must name (comma-separated locales);
  - ``designators`` - the words that say what kind of unit it is ("viloyati", "аймаг",
    "Province", "thành phố"; separated by ``|``). Dropped from the start or end of a name they
    give a second, shorter key for matching an admin's region ("Fergana" → Fargʻona viloyati);
  - ``script-check exceptions`` - for Uzbek: rows (by code) whose Latin and Cyrillic names
    may have different search keys, ``UZ-XX (why); ...``, or ``none``;
  - ``codes`` (free text) - which ISO 3166-2 codes the file gives and why.

* Then the header and one row per division:

  - ``code`` - its ISO 3166-2 code, empty where it has none;
  - ``kind`` - region | city | district | khoroo;
  - ``parent_code`` - empty for a first-level division, else the ``code`` of its parent row;
  - one column per language (``uz``, ``uz_Cyrl``, ``mn``, ``vi``, ``ru``, ``en``, any of
    ``registry.localized.LOCALES``): its name in that language, empty where there is none;
  - ``merged_from`` (optional) - the ISO codes of the older units it was formed from,
    separated by spaces (Viet Nam's 2025 merger);
  - ``also`` (optional) - other spellings an admin may have typed, separated by ``|``; used
    for matching only, never shown.

How a file merges with the regions already there is ``load_regions``'s docstring.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from registry.audit.services import record
from registry.catalog.models import COUNTRIES, REGION_KINDS, Region
from registry.extensions import db
from registry.localized import LOCALES
from registry.people.names import clean_name, search_key

DATA_DIR = Path(__file__).parent / "data"
_FIXED_COLUMNS = ("code", "kind", "parent_code")
_OPTIONAL_COLUMNS = ("merged_from", "also")
_KEYS = ("source", "date", "compiled", "default", "required", "designators",
         "script-check exceptions", "codes")


class RegionDataError(ValueError):
    """A data file that cannot be read or does not pass its own checks (a fault in the
    shipped file, not in what a user did)."""


@dataclass(frozen=True)
class RegionRow:
    """One division as the file gives it."""

    line: int
    code: str | None
    kind: str
    parent_code: str | None
    names: dict[str, str]
    merged_from: tuple[str, ...] = ()
    also: tuple[str, ...] = ()

    def label(self, default_locale: str) -> str:
        return self.names.get(default_locale) or next(iter(self.names.values()), "")


@dataclass(frozen=True)
class RegionFile:
    """A country's data file, read: its header lines and its rows."""

    country: str
    path: Path
    source: str
    date: str
    default_locale: str
    required: tuple[str, ...]
    designators: tuple[str, ...]
    script_exceptions: frozenset[str]
    languages: tuple[str, ...]
    rows: tuple[RegionRow, ...]
    meta: dict = field(default_factory=dict)

    def default_name(self, row: RegionRow) -> str:
        return row.label(self.default_locale)


def data_path(country: str) -> Path:
    return DATA_DIR / f"regions-{country}.csv"


def read_region_file(country: str, path: Path | str | None = None) -> RegionFile:
    """Read and check the structure of a country's data file (``data_path`` unless ``path``).

    Raises ``RegionDataError`` for what would make loading meaningless: an unknown column,
    kind or language, a duplicate code, a parent that is not a row above, a missing header
    line. What concerns the names themselves is ``problems``."""
    if country not in COUNTRIES:
        raise RegionDataError(f"Unknown country {country!r}; one of {', '.join(COUNTRIES)}.")
    path = Path(path) if path is not None else data_path(country)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegionDataError(f"No data file {path}.") from None
    lines = text.splitlines()
    meta: dict[str, str] = {}
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        key, sep, value = lines[start].lstrip("#").strip().partition(":")
        if sep and key.strip().lower() in _KEYS:
            meta[key.strip().lower()] = value.strip()
        start += 1
    for key in ("source", "date", "default", "required"):
        if not meta.get(key):
            raise RegionDataError(f"{path.name}: no '# {key}:' line.")

    reader = csv.DictReader(io.StringIO("\n".join(lines[start:])))
    columns = tuple(reader.fieldnames or ())
    languages = tuple(column for column in columns
                      if column not in _FIXED_COLUMNS + _OPTIONAL_COLUMNS)
    unknown = [column for column in languages if column not in LOCALES]
    if unknown or any(column not in columns for column in _FIXED_COLUMNS):
        raise RegionDataError(f"{path.name}: the columns must be {', '.join(_FIXED_COLUMNS)}, "
                              f"languages of {', '.join(LOCALES)} and optionally "
                              f"{', '.join(_OPTIONAL_COLUMNS)}; found {', '.join(columns)}.")
    default_locale = meta["default"]
    required = tuple(part.strip() for part in meta["required"].split(",") if part.strip())
    if default_locale not in languages or any(locale not in languages for locale in required):
        raise RegionDataError(f"{path.name}: the default and required languages need columns.")

    rows: list[RegionRow] = []
    codes: set[str] = set()
    for number, raw in enumerate(reader, start=start + 2):
        values = {key: clean_name(value or "") for key, value in raw.items() if key}
        code = values["code"].upper() or None
        parent_code = values["parent_code"].upper() or None
        if values["kind"] not in REGION_KINDS:
            raise RegionDataError(f"{path.name}, line {number}: unknown kind {values['kind']!r}.")
        if code is not None:
            if code in codes:
                raise RegionDataError(f"{path.name}, line {number}: code {code} twice.")
            if not code.startswith(f"{country}-"):
                raise RegionDataError(f"{path.name}, line {number}: {code} is not a {country} "
                                      "code.")
            codes.add(code)
        if parent_code is not None and parent_code not in codes:
            raise RegionDataError(f"{path.name}, line {number}: its parent {parent_code} must "
                                  "be a row above it.")
        rows.append(RegionRow(
            line=number, code=code, kind=values["kind"], parent_code=parent_code,
            names={locale: values[locale] for locale in languages if values.get(locale)},
            merged_from=tuple(values.get("merged_from", "").upper().split()),
            also=tuple(part.strip() for part in values.get("also", "").split("|")
                       if part.strip()),
        ))
    designators = tuple(part.strip() for part in meta.get("designators", "").split("|")
                        if part.strip())
    exceptions = meta.get("script-check exceptions", "")
    script_exceptions = frozenset(
        item.split()[0].upper() for item in exceptions.split(";")
        if item.strip() and not item.strip().lower().startswith("none"))
    return RegionFile(country=country, path=path, source=meta["source"], date=meta["date"],
                      default_locale=default_locale, required=required,
                      designators=designators, script_exceptions=script_exceptions,
                      languages=languages, rows=tuple(rows), meta=meta)


def _words(text: str) -> list[str]:
    """The words of a name in matching form, in their order (``search_key`` word by word)."""
    return [key for key in (search_key(word) for word in clean_name(text).split()) if key]


def name_keys(name: str, designators: tuple[str, ...] = ()) -> set[str]:
    """The keys a name matches by: its ``search_key``, and the key of what is left when a
    designator ("viloyati", "аймаг", "Province", "thành phố") is dropped from its start or
    end - so that "Fergana", "Fergana Region" and "Фарғона вилояти" meet."""
    words = _words(name)
    if not words:
        return set()
    keys = {" ".join(sorted(words))}
    patterns = sorted((_words(designator) for designator in designators), key=len,
                      reverse=True)
    changed = True
    while changed:
        changed = False
        for pattern in patterns:
            if not pattern or len(pattern) >= len(words):
                continue
            if words[:len(pattern)] == pattern:
                words, changed = words[len(pattern):], True
            elif words[-len(pattern):] == pattern:
                words, changed = words[:-len(pattern)], True
    keys.add(" ".join(sorted(words)))
    return keys


def _row_keys(data: RegionFile, row: RegionRow) -> set[str]:
    keys: set[str] = set()
    for name in (*row.names.values(), *row.also):
        keys |= name_keys(name, data.designators)
    return keys


def _region_keys(data: RegionFile, region: Region) -> set[str]:
    keys: set[str] = set()
    for name in {region.name, *region.values_of("name").values()}:
        keys |= name_keys(name, data.designators)
    return keys


def problems(data: RegionFile) -> list[str]:
    """What is wrong with a file's names, one sentence each (empty when it passes):

    * a row without a name in a required language;
    * Uzbek only: a row whose Latin (``uz``) and Cyrillic (``uz_Cyrl``) names have different
      ``search_key``s, unless the row is a listed exception (and a listed exception that is
      not needed, so that the list stays true);
    * two rows at one level that share their full name key (one would never be found again).
    """
    found = []
    for row in data.rows:
        where = f"line {row.line} ({data.default_name(row)})"
        missing = [locale for locale in data.required if not row.names.get(locale)]
        if missing:
            found.append(f"{where}: no name in {', '.join(missing)}.")
        if "uz" in row.names and "uz_Cyrl" in row.names:
            same = search_key(row.names["uz"]) == search_key(row.names["uz_Cyrl"])
            listed = (row.code or data.default_name(row)).upper() in data.script_exceptions
            if not same and not listed:
                found.append(f"{where}: “{row.names['uz']}” and “{row.names['uz_Cyrl']}” do "
                             "not spell the same name (not a listed exception).")
            if same and listed:
                found.append(f"{where}: listed as a script-check exception but its names "
                             "agree.")
    seen: dict[tuple, RegionRow] = {}
    for row in data.rows:
        for name in row.names.values():
            key = (row.parent_code, search_key(name))
            other = seen.setdefault(key, row)
            if other is not row:
                found.append(f"line {row.line}: “{name}” is also the name of line {other.line}.")
    return found


@dataclass
class LoadResult:
    """What ``load_regions`` did, for the command's summary and the audit event."""

    country: str
    source: str
    date: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Where an admin's value was kept although the file says otherwise (nothing changed).
    kept: list[str] = field(default_factory=list)
    # Regions the file does not name, or rows that could not be matched safely.
    left: list[str] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set, repr=False)  # regions already accounted for

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def leave(self, region: Region, why: str) -> None:
        self._seen.add(id(region))
        self.left.append(f"{_describe(region)}: {why}")


def _describe(region: Region) -> str:
    return f"{region.name} ({region.code})" if region.code else region.name


def load_regions(country: str, *, actor=None, data: RegionFile | None = None) -> LoadResult:
    """Load a country's reference regions from its data file into the session (the caller
    commits) and return what was done; idempotent.

    For each level of the file (the first-level divisions, then each parent's children) an
    existing region of the country is the row's region when

    1. it has the row's code (wherever it sits), else
    2. it has no code, sits at that level, and one of its names (the default or any
       language's) has a key (``name_keys``: the search key, with or without the kind word)
       that belongs to that row only among the level's rows - and no other region of the
       level claims the same row.

    A matched region gets the row's code and the names it lacks (per language); its default
    name, its kind, its place and the names an admin already gave are kept (listed under
    "kept"). A row that matched nothing is created: default ``name`` in the file's default
    language, every language's name in ``translations``. A region that looks like several
    rows, or a row that several regions look like, is left for an admin to sort out (listed
    under "left"), as are the level's regions the file does not name. A run that changes
    anything writes one audit event ``region.load``; a second run changes nothing.

    Raises ``RegionDataError`` when the file does not pass ``problems``.
    """
    data = data or read_region_file(country)
    found = problems(data)
    if found:
        raise RegionDataError(f"{data.path.name}: " + " ".join(found))
    result = LoadResult(country=country, source=data.source, date=data.date)
    existing = list(db.session.scalars(select(Region).where(Region.country == country)
                                       .order_by(Region.id)))
    by_code = {region.code: region for region in existing if region.code}
    resolved: dict[str, Region] = {}  # a row's code -> its region (the children's parent)

    levels: dict[str | None, list[RegionRow]] = {}
    for row in data.rows:
        levels.setdefault(row.parent_code, []).append(row)

    with db.session.no_autoflush:
        for parent_code, rows in levels.items():
            parent = resolved.get(parent_code) if parent_code else None
            if parent_code and parent is None:
                result.left.extend(f"{data.default_name(row)}: not loaded, because its parent "
                                   f"{parent_code} was not" for row in rows)
                continue
            parent_id = parent.id if parent is not None else None
            at_level = [region for region in existing if region.parent_id == parent_id]
            matches = _match_level(data, rows, at_level, by_code, result)
            for row in rows:
                region = matches.get(id(row))
                if region is False:
                    continue  # several regions claim the row: listed under "left"
                if region is None:
                    region = _create(data, row, parent, at_level, result)
                else:
                    _complete(data, row, region, parent, result)
                if region is not None and row.code:
                    resolved[row.code] = region
            db.session.flush()  # the new parents need their ids before their children
            for region in at_level:
                if id(region) not in result._seen:
                    result.leave(region, "not in the file, left as it is")

    if result.changed:
        record(actor, "region.load", record_type="region",
               summary=f"Reference regions of {country}: {len(result.added)} added, "
                       f"{len(result.updated)} updated",
               details={"country": country, "file": data.path.name, "date": data.date,
                        "added": result.added, "updated": result.updated,
                        "kept": result.kept, "left": result.left})
        db.session.flush()
    return result


def _match_level(data: RegionFile, rows: list[RegionRow], at_level: list[Region],
                 by_code: dict[str, Region], result: LoadResult) -> dict:
    """``id(row)`` -> its existing region, or ``False`` when several regions claim the row."""
    matches: dict[int, Region | bool] = {}
    for row in rows:
        if row.code and row.code in by_code:
            matches[id(row)] = by_code[row.code]
    rows_by_id = {id(row): row for row in rows}
    index: dict[str, set[int]] = {}
    for row in rows:
        for key in _row_keys(data, row):
            index.setdefault(key, set()).add(id(row))
    file_codes = {row.code for row in data.rows if row.code}
    claims: dict[int, list[Region]] = {}
    for region in at_level:
        if region.code:
            if region.code not in file_codes:
                result.leave(region, "its code is not in the file, left as it is")
            continue  # a region with a code is matched by its code only
        keys = _region_keys(data, region)
        # A key two rows share ("toshkent": the city and the region) decides nothing.
        hits = set().union(*(index[key] for key in keys
                             if key in index and len(index[key]) == 1))
        hits = hits or set().union(*(index[key] for key in keys if key in index))
        if not hits:
            continue  # not in the file: said below
        if len(hits) > 1:
            names = ", ".join(data.default_name(rows_by_id[hit]) for hit in
                              sorted(hits, key=lambda hit: rows_by_id[hit].line))
            result.leave(region, f"looks like several rows of the file ({names}), left as "
                                 "it is")
            continue
        row_id = hits.pop()
        if row_id in matches:
            result.leave(region, f"looks like {_describe(matches[row_id])}, which is already "
                                 "there: merge them")
        else:
            claims.setdefault(row_id, []).append(region)
    for row_id, regions in claims.items():
        if len(regions) == 1:
            matches[row_id] = regions[0]
            continue
        matches[row_id] = False
        for region in regions:
            result.leave(region, f"one of {len(regions)} regions that look like "
                                 f"{data.default_name(rows_by_id[row_id])}: merge them, then "
                                 "load again")
    return matches


def _create(data: RegionFile, row: RegionRow, parent: Region | None,
            at_level: list[Region], result: LoadResult) -> Region | None:
    name = data.default_name(row)
    if any(region.name == name for region in at_level):
        # Possible only when the region of that name was kept apart above (another code).
        result.left.append(f"{name}: not added, a region of that name is already there")
        return None
    region = Region(country=data.country, name=name, kind=row.kind, parent=parent,
                    code=row.code)
    region.set_values("name", dict(row.names))
    db.session.add(region)
    result._seen.add(id(region))
    result.added.append(f"{name} ({row.code})" if row.code else name)
    return region


def _complete(data: RegionFile, row: RegionRow, region: Region, parent: Region | None,
              result: LoadResult) -> None:
    """Give a matched region the row's code and the names it lacks; keep the rest."""
    result._seen.add(id(region))
    label = _describe(region)
    done = []
    if region.code is None and row.code:
        region.code = row.code
        done.append(f"code {row.code}")
    own = region.values_of("name")
    lacking = {locale: name for locale, name in row.names.items()
               if not (own.get(locale) or "").strip()}
    if lacking:
        region.set_values("name", {**own, **lacking})
        done.append("names in " + ", ".join(lacking))
    for locale, name in row.names.items():
        if locale not in lacking and own[locale] != name:
            result.kept.append(f"{label}: its {locale} name “{own[locale]}” (the file: "
                               f"“{name}”)")
    if region.name != data.default_name(row):
        result.kept.append(f"{label}: its name (the file: “{data.default_name(row)}”)")
    if region.kind != row.kind:
        result.kept.append(f"{label}: its kind {region.kind} (the file: {row.kind})")
    if region.parent_id != (parent.id if parent is not None else None):
        result.kept.append(f"{label}: its place (the file puts it under "
                           f"{parent.name if parent is not None else 'the country'})")
    if done:
        result.updated.append(f"{label}: " + "; ".join(done))
    else:
        result.unchanged.append(label)
