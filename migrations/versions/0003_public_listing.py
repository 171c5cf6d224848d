"""consent to the public register of certified auditors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_listing', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('public_listing_since',
                                      sa.DateTime(timezone=True),
                                      nullable=True))
        # The public register lists only people who agreed: a partial-friendly index.
        batch_op.create_index('ix_person_public_listing', ['public_listing'], unique=False)


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_public_listing')
        batch_op.drop_column('public_listing_since')
        batch_op.drop_column('public_listing')
