"""Every word a person reads goes through gettext, and the Finnish catalogue has all of them.

Three checks, each failing on the mistake it names: a Finnish message untranslated or fuzzy; the
catalogue out of date with the sources (extraction finds a message the catalogue lacks); a template
or a Python module showing people a literal string outside gettext."""
import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "okrapp/translations/fi/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None,
            "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2), "N_": None}
METHODS = [("okrapp/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
# words that read the same in every language: names of things and formats
UNTRANSLATED_WORDS = {"okrapp", "NPS", "CSAT", "CES", "KPI", "KPIs", "API", "CSV", "XLSX", "xlsx", "csv", "OpenAPI",
                      "JSON", "ID", "UTC", "SSO", "OIDC", "Oy", "nbsp", "amp", "middot", "mdash", "ndash", "rarr",
                      "larr", "times", "hellip", "quot", "lt", "gt", "ics", "iCalendar", "URL", "Bearer", "SVG",
                      "HTTP", "Swagger", "ReDoc", "Entra", "Google", "Keycloak", "Okta"}


def catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="fi")


def _id(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _translated(message) -> bool:
    return all(message.string) if isinstance(message.string, (list, tuple)) else bool(message.string)


def test_every_finnish_message_is_translated_and_none_is_fuzzy():
    wrong = [_id(m) for m in catalogue() if m.id and (not _translated(m) or m.fuzzy)]
    assert wrong == [], f"{len(wrong)} Finnish messages untranslated or fuzzy, e.g. {wrong[:10]}"


def test_the_catalogue_holds_every_message_the_sources_have():
    """`make translations` brings it up to date: extraction here finds nothing the catalogue lacks."""
    keywords = {name: spec for name, spec in KEYWORDS.items()}
    found = {(message if isinstance(message, str) else message[0], context)
             for _file, _line, message, _comments, context in extract_from_dir(
                 str(ROOT), METHODS, keywords=keywords, comment_tags=(), strip_comment_tags=True)}
    have = {(_id(m), m.context) for m in catalogue() if m.id}
    missing = sorted(found - have, key=str)
    assert missing == [], f"{len(missing)} messages missing from the catalogue (run make translations): {missing[:10]}"


# -- literal strings outside gettext -----------------------------------------------------------

WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
ATTRIBUTE = re.compile(r'\b(?:title|aria-label|placeholder|alt)="([^"{]*)"')


def _letters(text: str) -> list[str]:
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    return [w for w in WORD.findall(text) if w not in UNTRANSLATED_WORDS]


def template_literals(source: str) -> list[str]:
    """Words in a template's text outside {% trans %}: what a person would read untranslated."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found, in_trans, in_style = [], False, False
    tokens = [token for token in env.lex(source) if token[1] != "whitespace"]
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "name" and value in ("trans", "pluralize") and tokens[index - 1][1] == "block_begin":
            in_trans = True
        elif kind == "name" and value == "endtrans":
            in_trans = False
        if kind != "data" or in_trans:
            continue
        for attribute in ATTRIBUTE.findall(value):
            found += _letters(attribute)
        text = value
        # style and script bodies, comments and tags are not read
        text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
        if in_style:
            if re.search(r"</(style|script)>", text, re.I):
                text, in_style = re.split(r"</(?:style|script)>", text, maxsplit=1, flags=re.I)[-1], False
            else:
                continue
        if re.search(r"<(style|script)\b", text, re.I):
            text, in_style = re.split(r"<(?:style|script)\b", text, maxsplit=1, flags=re.I)[0], True
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text)
        text = re.sub(r"<[^>]*$|^[^<]*>", " ", text)  # a tag split by a Jinja expression
        text = re.sub(r'(?:^|\s)[\w:-]+="[^"<>]*(?:"|$)|^[^"<>]*"(?=\s|$)', " ", text)  # attributes between expressions
        found += _letters(text)
    return found


def test_the_literal_finder_finds_words_and_lets_gettext_be():
    assert template_literals("<p>Hello {{ name }}</p>") == ["Hello"]
    assert template_literals('<p title="Open it">{{ _("Hello") }}</p>') == ["Open", "it"]
    assert template_literals("{% trans %}Hello{% endtrans %}<b>{{ x }}</b> · 42 %") == []
    assert template_literals("<style>p { color: red }</style><p>{{ _('x') }}</p>") == []


TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "templates").rglob("*.txt"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_template_shows_a_literal_outside_gettext(path):
    words = template_literals(path.read_text())
    assert words == [], f"{path.relative_to(ROOT)} shows untranslated words: {words[:12]}"


# Calls whose text a person reads; their first argument (and these keywords) must go through gettext.
SHOWN_CALLS = {"ServiceError", "StaleEdit", "NeedsConfirmation", "ApiError", "flash", "LoginThrottled", "SheetError",
               "ClickException", "BadParameter", "UsageError", "Label", "RecurrenceError"}
DESCRIBED_CALLS = {"Job", "daily"}  # a scheduled job's description (its second argument) is on the Jobs page
FIELD_CALLS = {"StringField", "TextAreaField", "SelectField", "IntegerField", "DateField", "TimeField", "BooleanField",
               "PasswordField", "EmailField", "HiddenField", "FileField", "NumberField", "MultiCheckboxField",
               "DecimalField", "FloatField", "SelectMultipleField", "RadioField", "SubmitField", "DateTimeField"}
SHOWN_KEYWORDS = {"message", "description", "label"}


def _plain_text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    return None


def python_literals(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else \
            node.func.attr if isinstance(node.func, ast.Attribute) else ""
        candidates = []
        if name in SHOWN_CALLS | FIELD_CALLS and node.args:
            candidates.append(node.args[0])
        if name in DESCRIBED_CALLS and len(node.args) > 1:
            candidates.append(node.args[1])
        if name in FIELD_CALLS or name in SHOWN_CALLS or name.endswith(("Required", "Length", "Range", "Email",
                                                                         "EqualTo", "Checked", "Optional")):
            candidates += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        if name in ("_", "gettext", "_l", "lazy_gettext", "ngettext") and node.args and \
                isinstance(node.args[0], ast.JoinedStr):
            found.append(f"f-string inside {name}(): {_plain_text(node.args[0])!r}")
        for candidate in candidates:
            text = _plain_text(candidate)
            if text is not None and _letters(text):
                found.append(text)
    return found


def test_the_python_finder_finds_shown_literals_and_lets_gettext_be():
    assert python_literals('raise ServiceError("Choose a unit.", field="unit")') == ["Choose a unit."]
    assert python_literals('raise ServiceError(_("Choose a unit."), field="unit")') == []
    assert python_literals('name = StringField("Name", validators=[Length(max=3, message="Too long")])') == \
        ["Name", "Too long"]
    assert python_literals('x = _(f"Hello {name}")') == ["f-string inside _(): 'Hello '"]
    assert python_literals('daily("reviews.plan", "Create review meetings", run)') == ["Create review meetings"]
    assert python_literals('raise RecurrenceError(f"unknown time zone {name!r}", "timezone")') == \
        ["unknown time zone "]


MODULES = sorted(p for p in (ROOT / "okrapp").rglob("*.py") if "translations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT / "okrapp")))
def test_no_module_shows_a_literal_outside_gettext(path):
    found = python_literals(path.read_text())
    assert found == [], f"{path.relative_to(ROOT)} shows people literal text: {found[:8]}"
