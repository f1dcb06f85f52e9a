"""Which language a request is read in: the person's choice on their profile; before they choose, the
language switch (kept in the session, for anonymous visitors too); then the browser's Accept-Language;
then OKRAPP_DEFAULT_LOCALE. Flask-Babel selects it; core.words carries it to pure rules, templates and
formatting, which all read one catalogue."""
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from okrapp.core import words
from okrapp.core.extensions import babel


def languages() -> list[str]:
    """The configured language codes, the sources' first."""
    codes = [code.strip() for code in current_app.config.get("OKRAPP_LANGUAGES", "en").split(",") if code.strip()]
    return codes or [words.SOURCE]


def choices() -> list[tuple[str, str]]:
    """(code, the language's own name) for the switch and the profile."""
    return [(code, words.NAMES.get(code, code)) for code in languages()]


def known(code: str | None) -> str | None:
    return code if code in languages() else None


def select_locale() -> str:
    user = current_user if request else None
    chosen = getattr(user, "locale", None) if user is not None and user.is_authenticated else None
    return (known(chosen) or known(session.get("locale")) or request.accept_languages.best_match(languages())
            or known(current_app.config.get("OKRAPP_DEFAULT_LOCALE")) or words.SOURCE)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(words.DIRECTORY))
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Jinja's newstyle gettext fills the placeholders itself (escaping the values): it gets the bare texts
    app.jinja_env.install_gettext_callables(words.raw_gettext, words.raw_ngettext, newstyle=True,
                                            pgettext=words.raw_pgettext)
    app.before_request(_enter)
    app.teardown_request(_leave)
    app.context_processor(lambda: {"locale": words.current(), "languages": choices()})


def _enter() -> None:
    g.words_token = words.set_current(str(get_locale()))


def _leave(_error=None) -> None:
    token = g.pop("words_token", None)
    if token is not None:
        try:
            words.reset(token)
        except ValueError:  # set in another context (a streamed response's generator): let it be
            words.set_current(words.SOURCE)
