from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCTimestamp
from registry.extensions import db



class Person(TimestampMixin, db.Model):
    """A participant. The national identifier is private: used to find duplicates, never shown
    on a public page."""

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_search_name", "search_name"),
        Index("ix_person_email", "email"),
        Index("ix_person_organization_id", "organization_id"),
        Index("ix_person_region_id", "region_id"),
        Index("ix_person_public_listing", "public_listing"),
        Index("ix_person_added_by_id", "added_by_id"),
        CheckConstraint("full_name <> ''", name="full_name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(250), nullable=False)
    latin_name: Mapped[str | None] = mapped_column(String(250))
    search_name: Mapped[str] = mapped_column(String(250), nullable=False)
    national_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    # Consent to appear in the public register of certified auditors: off unless the person
    # agreed; when they agreed is kept (and cleared when they withdraw).
    public_listing: Mapped[bool] = mapped_column(default=False, server_default="0",
                                                 nullable=False)
    public_listing_since: Mapped[datetime | None] = mapped_column(UTCTimestamp())
    # Set when this record was merged into another; kept so old links still resolve.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT")
    )
    # Who entered this record (by hand or by importing a list): a trainer may see the people
    # they added until those are registered somewhere. Unknown for records from before 0009.
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    organization = relationship("Organization")
    region = relationship("Region")

    def __str__(self) -> str:
        return self.full_name


# The duplicate check compares lower(email) (see ``find_duplicates``): an index on the
# expression itself serves it (migration 0017); the plain ``ix_person_email`` cannot.
Index("ix_person_lower_email", func.lower(Person.email))
