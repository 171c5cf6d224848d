"""issuer contact: the agency's website, email and phone shown on every public page

A visitor who checks a paper (or meets one the register does not know) is told how to reach
the agency that runs this register. Empty until an admin sets them, and then not shown.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issuer_settings') as batch:
        batch.add_column(sa.Column('contact_url', sa.String(length=250), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('contact_email', sa.String(length=120), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('contact_phone', sa.String(length=40), server_default='',
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('issuer_settings') as batch:
        batch.drop_column('contact_phone')
        batch.drop_column('contact_email')
        batch.drop_column('contact_url')
