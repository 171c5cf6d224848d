"""Flask extensions, created unbound and initialised in ``create_app``.

This module imports only ``registry.database`` (which imports nothing of the registry), so
any module may import the extensions without a cycle.
"""
import copy

from babel import support
from flask import current_app
from flask_babel import Babel, Domain
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from registry.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def _escape_lazy_strings() -> None:
    """Flask-Babel's lazy strings declare themselves safe HTML (``__html__`` returns the text
    as is), so a form error such as “<script>…” is not a date - with the user's input in it -
    would reach the page unescaped. Here they are escaped like any other text."""
    from flask_babel.speaklater import LazyString
    from markupsafe import escape

    LazyString.__html__ = lambda self: str(escape(str(self)))


_escape_lazy_strings()


# --- translations, loaded once per process, with optional markers for missing strings -------

MISSING_MARK = "⟦%s⟧"


class MissingTranslationMarker(support.NullTranslations):
    """The last fallback: a string no catalogue holds comes out as ``⟦string⟧``, so a test
    (or a translator looking at a page) sees it at once."""

    def gettext(self, message):
        return MISSING_MARK % message

    def ngettext(self, singular, plural, n):
        return MISSING_MARK % (singular if n == 1 else plural)

    def pgettext(self, context, message):
        return MISSING_MARK % message

    def npgettext(self, context, singular, plural, n):
        return MISSING_MARK % (singular if n == 1 else plural)

    ugettext, ungettext = gettext, ngettext


class RegistryDomain(Domain):
    """Flask-Babel's domain, kept for the process (Flask-Babel makes a new one, with an
    empty cache, for every request), marking missing strings when
    ``REGISTRY_MARK_MISSING_TRANSLATIONS`` is on."""

    def get_translations(self):
        translations = super().get_translations()
        if not current_app.config.get("REGISTRY_MARK_MISSING_TRANSLATIONS"):
            return translations
        key = (id(translations), "marked")
        if key not in self.cache:
            marked = copy.copy(translations)  # shares the catalogue, not the fallback
            marked._fallback = None
            marked.add_fallback(MissingTranslationMarker())
            self.cache[key] = marked
        return self.cache[key]


class RegistryBabel(Babel):
    """Flask-Babel with one translation domain per process (``RegistryDomain``)."""

    _registry_domain = None

    @property
    def domain_instance(self):
        if self._registry_domain is None or self._registry_domain.domain != self.domain.split(";"):
            self._registry_domain = RegistryDomain(domain=self.domain)
        return self._registry_domain


babel = RegistryBabel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
