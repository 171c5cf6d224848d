"""Flask extensions, created unbound and initialised in ``create_app``."""
from flask_babel import Babel
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


class RegistryBabel(Babel):
    """Flask-Babel with one translation domain per process (see ``registry.i18n``)."""

    _registry_domain = None

    @property
    def domain_instance(self):
        if self._registry_domain is None or self._registry_domain.domain != self.domain.split(";"):
            from registry.i18n import domain_class

            self._registry_domain = domain_class()(domain=self.domain)
        return self._registry_domain


babel = RegistryBabel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
