"""The product's own words in the reader's language: gettext over the catalogues in okrapp/translations,
usable from pure rules, pages, mail and the CLI alike (plain Python: no Flask here).

The language of the moment is a context variable: a request sets it from the person's choice (or the
browser's, or the organisation's), mail sets it to the recipient's for the time it is rendered
(`using`), and anything outside both reads English. Sentences are whole in the catalogue, with named
placeholders, and plurals go through ngettext: never a glued "s".

Adding a language: a catalogue (`pybabel init -l sv`, see the Makefile) and its code in
OKRAPP_LANGUAGES."""
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.support import LazyProxy, NullTranslations, Translations

DIRECTORY = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"
SOURCE = "en"  # the language the sources are written in
NAMES = {"en": "English", "fi": "suomi", "sv": "svenska"}  # each language in itself, for the switch

_current: ContextVar[str] = ContextVar("okrapp_locale", default=SOURCE)


def current() -> str:
    return _current.get()


def set_current(locale: str | None):
    """Make locale the language of this context (a request); returns the token to reset it with."""
    return _current.set(locale or SOURCE)


def reset(token) -> None:
    _current.reset(token)


@contextmanager
def using(locale: str | None):
    """Words (and formats) in locale for a while: a mail to someone who reads another language."""
    token = _current.set(locale or SOURCE)
    try:
        yield
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def catalogue(locale: str) -> NullTranslations:
    if locale == SOURCE:
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [locale], DOMAIN)


def gettext(message: str, **values) -> str:
    text = catalogue(current()).ugettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    """The form for n; %(num)s in either stands for n."""
    text = catalogue(current()).ungettext(singular, plural, n)
    return text % {"num": n, **values}


def pgettext(context: str, message: str, **values) -> str:
    """A word that reads differently by where it stands ("open" as a status, "Open" as a button)."""
    text = catalogue(current()).upgettext(context, message)
    return text % values if values else text


def raw_gettext(message: str) -> str:
    """The translation with its placeholders left in (for Jinja, which fills them)."""
    return catalogue(current()).ugettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current()).ungettext(singular, plural, n)


def raw_pgettext(context: str, message: str) -> str:
    return catalogue(current()).upgettext(context, message)


def lazy_gettext(message: str, **values) -> LazyProxy:
    """For words fixed at import (labels of fields, kinds, statuses): translated when shown."""
    return LazyProxy(gettext, message, enable_cache=False, **values)


def lazy_pgettext(context: str, message: str) -> LazyProxy:
    return LazyProxy(pgettext, context, message, enable_cache=False)


_ = gettext
_l = lazy_gettext


def N_(message: str) -> str:
    """Marks a word for the catalogue where it is kept untranslated (a table of labels) and translated
    where it is shown, with _(value)."""
    return message
