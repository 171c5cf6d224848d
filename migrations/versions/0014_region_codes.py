"""region codes: a region keeps its ISO 3166-2 code (UZ-FA, MN-1, VN-HN) where it has one

``flask catalog load-regions`` finds a region it loaded before by this code, so a second run
changes nothing and an admin's own "Fergana Region" is completed rather than doubled. Regions
without a code (districts, khoroos, what admins add) keep NULL; the code is unique within a
country only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("region") as batch:
        batch.add_column(sa.Column("code", sa.String(length=10), nullable=True))
        batch.create_unique_constraint("uq_region_country_code", ["country", "code"])


def downgrade():
    with op.batch_alter_table("region") as batch:
        batch.drop_constraint("uq_region_country_code", type_="unique")
        batch.drop_column("code")
