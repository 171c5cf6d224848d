"""the review queue

One table for everything an official must decide: first, certificates whose record was
corrected after the seminar was completed (re-issue, revoke or keep); later, correction
requests and complaints.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'review_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('seminar_id', sa.Integer(), nullable=True),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('certificate_id', sa.Integer(), nullable=True),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('decision', sa.String(length=20), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', Timestamp, nullable=True),
        sa.Column('action_taken', sa.JSON(), nullable=True),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('updated_at', Timestamp, nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_review_item_status')),
        sa.CheckConstraint(
            "status = 'open' OR (decision IS NOT NULL AND decision_reason IS NOT NULL "
            "AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f('ck_review_item_closed_has_decision')),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'],
                                name=op.f('fk_review_item_certificate_id_certificate'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'],
                                name=op.f('fk_review_item_decided_by_id_user'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['raised_by_id'], ['user.id'],
                                name=op.f('fk_review_item_raised_by_id_user'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_review_item_registration_id_registration'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['seminar_id'], ['seminar.id'],
                                name=op.f('fk_review_item_seminar_id_seminar'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index('ix_review_item_status_created', ['status', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_review_item_certificate_id', ['certificate_id'], unique=False)
        batch_op.create_index('ix_review_item_seminar_id', ['seminar_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.drop_index('ix_review_item_seminar_id')
        batch_op.drop_index('ix_review_item_certificate_id')
        batch_op.drop_index('ix_review_item_status_created')
    op.drop_table('review_item')
