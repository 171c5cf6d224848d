"""import look-ups: an index on lower(email) for the duplicate check

The duplicate check compares ``lower(person.email)`` with the lowered address (an address
typed in capitals is the same address), and a plain index on ``email`` cannot serve that
comparison: every check scanned the whole person table, so a 5,000-row import on a register
of 100,000 people read it 10,000 times. An expression index on ``lower(email)`` (PostgreSQL
and SQLite both have them) serves it as written, with no second copy of the address to keep
in step. The national identifier already has its unique index (``uq_person_national_id``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
# Written beside another branch's 0016: the merge re-chains this onto it.
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_person_lower_email', 'person', [sa.text('lower(email)')])


def downgrade():
    op.drop_index('ix_person_lower_email', table_name='person')
