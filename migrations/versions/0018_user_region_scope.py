"""user region scope: a regional office's account works within its region's subtree

``user.region_id`` (NULL: the whole country, as every account before this migration) limits an
official or a trainer to the seminars held in that region and everything below it
(``registry.auth.scope``). An administrator is never scoped: the check constraint says so, so
no path can make an admin who silently sees only part of the register.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_user_region_id_region'), 'region', ['region_id'], ['id'],
                                 ondelete='RESTRICT')
        batch.create_index('ix_user_region_id', ['region_id'])
        batch.create_check_constraint(op.f('ck_user_admin_not_scoped'),
                                      "role <> 'admin' OR region_id IS NULL")


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_constraint(op.f('ck_user_admin_not_scoped'), type_='check')
        batch.drop_index('ix_user_region_id')
        batch.drop_constraint(op.f('fk_user_region_id_region'), type_='foreignkey')
        batch.drop_column('region_id')
