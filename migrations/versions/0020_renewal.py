"""renewal: a refresher course renews another course's certificates

``course.refresher_for_id``: completing a seminar of this course makes a holder of the other
course's certificate eligible for renewal. ``certificate.renews_registration_id``: the
certificate (named by its registration, which every revision shares) that this one renews - a
successor linked to its predecessor, so a verifier can see "certified continuously since". A
certificate is renewed once: a unique index on the first revision of its successors.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('refresher_for_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_course_refresher_for_id_course'), 'course',
                                 ['refresher_for_id'], ['id'], ondelete='RESTRICT')
        batch.create_check_constraint(op.f('ck_course_not_own_refresher'),
                                      'refresher_for_id IS NULL OR refresher_for_id <> id')
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('renews_registration_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_certificate_renews_registration_id_registration'),
                                 'registration', ['renews_registration_id'], ['id'],
                                 ondelete='RESTRICT')
    op.create_index('uq_certificate_renews_registration', 'certificate',
                    ['renews_registration_id'], unique=True,
                    sqlite_where=sa.text('revision = 1'), postgresql_where=sa.text('revision = 1'))


def downgrade():
    op.drop_index('uq_certificate_renews_registration', table_name='certificate')
    with op.batch_alter_table('certificate') as batch:
        batch.drop_constraint(op.f('fk_certificate_renews_registration_id_registration'),
                              type_='foreignkey')
        batch.drop_column('renews_registration_id')
    with op.batch_alter_table('course') as batch:
        batch.drop_constraint(op.f('ck_course_not_own_refresher'), type_='check')
        batch.drop_constraint(op.f('fk_course_refresher_for_id_course'), type_='foreignkey')
        batch.drop_column('refresher_for_id')
