"""Reading a sheet of people to invite before anything is saved (pure: no Flask, no database).

Columns (English or Finnish headers, any order): name, email, role, units (optional; several
separated by semicolons or commas), language (optional: en or fi, English when empty). CSV or .xlsx
as domain.sheets reads them. Every problem of every line is reported with its line number (the
header is line 1). A person whose address is here already (in any letter case) is left as they are,
so the same sheet uploaded twice changes nothing. Admins are not invited from a sheet: that role is
given one person at a time, confirmed on the New user form."""
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from okrapp.core.words import _
from okrapp.domain.sheets import (MAX_BYTES, MAX_ROWS, LineProblems, SheetError, header_index, read_table, records,
                                  text_problem)

COLUMNS = {
    "name": ("name", "full name", "nimi", "koko nimi"),
    "email": ("email", "e-mail", "email address", "sähköposti", "sahkoposti", "sähköpostiosoite", "s-posti"),
    "role": ("role", "rooli"),
    "units": ("units", "unit", "leads units", "yksiköt", "yksikot", "yksikkö", "yksikko"),
    "language": ("language", "locale", "kieli"),
}
OPTIONAL = {"units", "language"}
TEMPLATE_HEADER = ("name", "email", "role", "units", "language")
ROLE_WORDS = {"executive": "executive", "johto": "executive", "johtaja": "executive", "johtoryhmä": "executive",
              "unit_leader": "unit_leader", "unit leader": "unit_leader", "leader": "unit_leader",
              "yksikön vetäjä": "unit_leader", "vetäjä": "unit_leader", "esihenkilö": "unit_leader",
              "board": "board", "board member": "board", "hallitus": "board", "hallituksen jäsen": "board",
              "admin": "admin", "ylläpitäjä": "admin", "pääkäyttäjä": "admin"}
LANGUAGES = {"": "en", "en": "en", "english": "en", "englanti": "en", "fi": "fi", "finnish": "fi", "suomi": "fi"}
_UNIT_SEPARATORS = re.compile(r"[;,\n|]")


@dataclass(frozen=True)
class PersonRow:
    line: int
    name: str
    email: str  # lower case
    role: str
    units: tuple[str, ...]  # the units' names as they are spelled in the app
    locale: str
    exists: bool = False  # here already: left as they are


@dataclass(frozen=True)
class PeopleReport(LineProblems):
    rows: tuple[PersonRow, ...]
    problems: tuple[tuple[int, str], ...]  # (line, message); line 0 is the file as a whole

    @property
    def new(self) -> tuple[PersonRow, ...]:
        return tuple(row for row in self.rows if not row.exists)


def read_people_sheet(data: bytes, units: set[str], existing: set[str], max_bytes: int = MAX_BYTES,
                      max_rows: int = MAX_ROWS) -> PeopleReport:
    """units: the units' names; existing: the addresses people have (lower case)."""
    try:
        table = read_table(data, max_bytes=max_bytes, max_rows=max_rows)
    except SheetError as error:
        return PeopleReport((), ((0, str(error)),))
    header = header_index(table.rows[0], COLUMNS)
    missing = [key for key in COLUMNS if key not in header and key not in OPTIONAL]
    if missing:
        return PeopleReport((), tuple((1, _("missing column “%(column)s” (the columns are: %(columns)s; Finnish "
                                            "headers work too: nimi, sähköposti, rooli, yksiköt, kieli)",
                                            column=key, columns=", ".join(TEMPLATE_HEADER))) for key in missing))
    known_units = {name.lower(): name for name in units}
    rows, problems, seen = [], [], {}
    for line, raw, problem in records(table, header):
        if problem:
            problems.append((line, problem))
            continue
        cells = {key: _text(cell) for key, cell in raw.items()}
        row, row_problems = _row(line, cells, known_units, existing)
        if row is not None and row.email in seen:
            row_problems.append(_("the same email as line %(line)s", line=seen[row.email]))
        elif row is not None:
            seen[row.email] = line
        problems += [(line, p) for p in row_problems]
        if row is not None and not row_problems:
            rows.append(row)
    if not rows and not problems:
        problems.append((0, _("The file has a header but no rows.")))
    return PeopleReport(tuple(rows), tuple(sorted(problems, key=lambda p: p[0])))


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _row(line: int, cells: dict, units: dict, existing: set[str]) -> tuple[PersonRow | None, list[str]]:
    problems = []
    name, email = cells["name"], cells["email"].lower()
    if not name:
        problems.append(_("name is empty"))
    elif len(name) > 120:
        problems.append(_("name is longer than 120 characters"))
    elif problem := text_problem(_("name"), name, single_line=True):
        problems.append(problem)
    if not email:
        problems.append(_("email is empty"))
    elif len(email) > 254:
        problems.append(_("email is longer than 254 characters"))
    else:
        try:
            validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as error:
            problems.append(_("email “%(email)s” cannot be used: %(reason)s", email=email, reason=error))
    role_text = cells["role"].lower()
    role = ROLE_WORDS.get(role_text.replace("-", " ").strip()) or ROLE_WORDS.get(role_text)
    if not role_text:
        problems.append(_("role is empty (executive, unit leader or board)"))
    elif role is None:
        problems.append(_("unknown role “%(role)s” (executive, unit leader or board)", role=cells["role"]))
    elif role == "admin":
        problems.append(_("admins are not invited from a sheet: add them one at a time under New user"))
    chosen = []
    for unit_text in (u.strip() for u in _UNIT_SEPARATORS.split(cells.get("units", ""))):
        if not unit_text:
            continue
        unit = units.get(unit_text.lower())
        if unit is None:
            problems.append(_("unknown unit “%(unit)s” (add it under Units first)", unit=unit_text))
        elif unit not in chosen:
            chosen.append(unit)
    language = cells.get("language", "").lower()
    if language not in LANGUAGES:
        problems.append(_("unknown language “%(language)s” (en or fi)", language=cells["language"]))
    if not email:
        return None, problems
    return PersonRow(line, name, email, role or "", tuple(chosen), LANGUAGES.get(language, "en"),
                     exists=email in existing), problems
