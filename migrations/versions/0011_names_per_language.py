"""names per language: regions, sectors and courses keep a value per interface language

``translations`` = ``{field: {locale: text}}`` next to the default value in the field's own
column (see registry/localized.py). Existing records start with none: they show their default
until an admin fills in the languages.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ("region", "sector", "course")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("translations", sa.JSON(), server_default="{}",
                                       nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("translations")
