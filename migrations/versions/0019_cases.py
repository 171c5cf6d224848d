"""cases: complaints and appeals in the review queue

A problem reported from a verification page and an appeal against a failed result or a
revocation are review items like a corrected record (ISO/IEC 17024 expects a certification body
to record complaints and appeals and decide them in time): ``deadline`` is the day a decision is
due, ``reference`` the short code a member of the public keeps to follow their report.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_item') as batch:
        batch.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch.add_column(sa.Column('reference', sa.String(length=12), nullable=True))
        batch.create_index('uq_review_item_reference', ['reference'], unique=True)


def downgrade():
    with op.batch_alter_table('review_item') as batch:
        batch.drop_index('uq_review_item_reference')
        batch.drop_column('reference')
        batch.drop_column('deadline')
