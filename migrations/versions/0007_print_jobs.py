"""background print jobs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:30:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'print_job',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('seminar_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('preprinted', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                           name=op.f('ck_print_job_status')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'],
                                name=op.f('fk_print_job_requested_by_id_user'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['seminar_id'], ['seminar.id'],
                                name=op.f('fk_print_job_seminar_id_seminar'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job')),
    )
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.create_index('ix_print_job_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_print_job_seminar_id', ['seminar_id'], unique=False)


def downgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index('ix_print_job_seminar_id')
        batch_op.drop_index('ix_print_job_created_at')
    op.drop_table('print_job')
