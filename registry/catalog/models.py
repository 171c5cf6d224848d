from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin
from registry.extensions import db
from registry.localized import Localized

REGION_KINDS = ("region", "city", "district", "khoroo")
CERTIFICATE_KINDS = ("attendance", "internal_auditor")
COUNTRIES = ("UZ", "MN", "VN")


class Region(Localized, TimestampMixin, db.Model):
    """A region, city, district or khoroo; ``parent`` makes the tree. ``name`` is the default;
    ``translations`` hold its name per language (``registry.localized``). ``code`` is its
    ISO 3166-2 code where it has one (set by ``flask catalog load-regions``)."""

    __tablename__ = "region"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        # One region per code in a country; regions without a code (NULL) are many.
        UniqueConstraint("country", "code"),
        # Top-level names are unique per country (NULL parents are never equal in a UNIQUE).
        Index("uq_region_top_level_name", "country", "name", unique=True,
              sqlite_where=db.text("parent_id IS NULL"),
              postgresql_where=db.text("parent_id IS NULL")),
        CheckConstraint("kind IN ('region', 'city', 'district', 'khoroo')", name="kind"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    code: Mapped[str | None] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(
        back_populates="parent", order_by="Region.name",
        # Let the database refuse deleting a region that has children (never orphan them).
        passive_deletes="all",
    )

    @property
    def label(self) -> str:
        """The name in the page's language."""
        return self.localized("name")

    @property
    def path(self) -> str:
        """"Region › District", in the page's language."""
        parts, node = [], self
        while node is not None:
            parts.append(node.label)
            node = node.parent
        return " › ".join(reversed(parts))

    def __str__(self) -> str:
        return self.path


class Sector(Localized, TimestampMixin, db.Model):
    """An economic sector, used to group organizations in reports (names per language in
    ``translations``)."""

    __tablename__ = "sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(150), unique=True, nullable=False)

    @property
    def label(self) -> str:
        """The name in the page's language."""
        return self.localized("name")

    def __str__(self) -> str:
        return self.label


class Course(Localized, TimestampMixin, db.Model):
    """What is taught and what its certificate says: kind, pass rules, validity, number prefix."""

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint(
            "certificate_kind IN ('attendance', 'internal_auditor')", name="certificate_kind"
        ),
        CheckConstraint("pass_mark IS NULL OR (pass_mark BETWEEN 0 AND 100)", name="pass_mark"),
        CheckConstraint(
            "certificate_kind <> 'internal_auditor' OR pass_mark IS NOT NULL",
            name="auditor_has_pass_mark",
        ),
        CheckConstraint("min_attendance_percent BETWEEN 0 AND 100", name="min_attendance"),
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("days > 0", name="days_positive"),
        CheckConstraint(
            "validity_months IS NULL OR validity_months > 0", name="validity_positive"
        ),
        CheckConstraint("refresher_for_id IS NULL OR refresher_for_id <> id",
                        name="not_own_refresher"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(250), nullable=False)
    standards: Mapped[str] = mapped_column(String(250), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    certificate_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    hours: Mapped[int] = mapped_column(nullable=False)
    days: Mapped[int] = mapped_column(nullable=False)
    pass_mark: Mapped[int | None]
    min_attendance_percent: Mapped[int] = mapped_column(default=100, nullable=False)
    validity_months: Mapped[int | None]
    number_prefix: Mapped[str] = mapped_column(String(10), nullable=False)
    # The certificate's languages: "seminar" (the seminar's language), "seminar,en" (the
    # seminar's language and English side by side), or fixed codes such as "en" or "ru,en".
    languages: Mapped[str] = mapped_column(String(60), default="seminar", nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    # A refresher course: completing it makes a holder of that course's certificate eligible
    # for renewal (``certificates.renewal``).
    refresher_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="RESTRICT"))

    @property
    def label(self) -> str:
        """The title in the page's language."""
        return self.localized("title")

    @property
    def is_internal_auditor(self) -> bool:
        return self.certificate_kind == "internal_auditor"

    def certificate_languages(self, seminar_language: str | None) -> tuple[str, ...]:
        """One language, or two printed side by side (never the same one twice)."""
        chosen: list[str] = []
        for code in (self.languages or "seminar").split(","):
            code = (seminar_language or "en") if code.strip() == "seminar" else code.strip()
            if code and code not in chosen:
                chosen.append(code)
        return tuple(chosen[:2]) or ("en",)

    def titles_missing_for(self, seminar_languages) -> list[str]:
        """The languages a two-language certificate of this course would print whose half has
        no title of its own (the default title stands for English, the default locale; the
        other Uzbek script stands for its twin)."""
        from registry.localized import OTHER_SCRIPT

        own = self.values_of("title")
        missing: list[str] = []
        for seminar_language in seminar_languages:
            languages = self.certificate_languages(seminar_language)
            if len(languages) < 2:
                continue
            for language in languages:
                if language == "en" or own.get(language) or own.get(OTHER_SCRIPT.get(language)):
                    continue
                if language not in missing:
                    missing.append(language)
        return missing

    def __str__(self) -> str:
        return self.label


ORGANIZATION_KINDS = ("ministry", "agency", "enterprise", "local_administration", "other")


class Organization(TimestampMixin, db.Model):
    """Where a participant works: a ministry, agency, enterprise or local administration."""

    __tablename__ = "organization"
    __table_args__ = (
        UniqueConstraint("name", "region_id"),
        CheckConstraint(
            "kind IN ('ministry', 'agency', 'enterprise', 'local_administration', 'other')",
            name="kind",
        ),
        Index("ix_organization_sector_id", "sector_id"),
        Index("ix_organization_region_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(250), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), default="enterprise", nullable=False)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id", ondelete="RESTRICT"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))

    sector = relationship("Sector")
    region = relationship("Region")

    def __str__(self) -> str:
        return self.name
