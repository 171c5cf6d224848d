"""Import every model so that metadata is complete (Alembic, tests, the shell)."""
from registry.audit.models import AuditEvent  # noqa: F401
from registry.auth.models import SignInThrottle, User, UserSession  # noqa: F401
from registry.catalog.models import Course, Organization, Region, Sector  # noqa: F401
from registry.certificates.models import (  # noqa: F401
    Certificate,
    CertificateNumberCounter,
    IssuerSettings,
)
from registry.people.models import Person  # noqa: F401
from registry.reviews.models import ReviewItem  # noqa: F401
from registry.seminars.models import (  # noqa: F401
    Attendance,
    Registration,
    Seminar,
    SeminarDay,
    seminar_trainer,
)
