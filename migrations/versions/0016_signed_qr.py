"""signed QR: each revision's QR payload and status-list index; revoked signing keys

``certificate.qr_payload`` keeps the Base32 payload (docs/qr-format.md) a revision's QR
carries, made when it is issued, so a reprint prints the very QR its paper already has;
revisions issued before have none and keep their URL-only QR. ``certificate.status_index`` is
the revision's random slot in the signed status list (``/.well-known/registry-status.json``),
unique. ``signing_key_revocation`` lists the keys whose signatures are no longer honoured
(published in registry-keys.json; ``flask certificates revoke-key``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('qr_payload', sa.Text(), nullable=True))
        batch.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch.create_unique_constraint(op.f('uq_certificate_status_index'), ['status_index'])
    op.create_table(
        'signing_key_revocation',
        sa.Column('key_id', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('revoked_at', Timestamp, nullable=False),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'],
                                name=op.f('fk_signing_key_revocation_revoked_by_id_user'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('key_id', name=op.f('pk_signing_key_revocation')),
    )


def downgrade():
    op.drop_table('signing_key_revocation')
    with op.batch_alter_table('certificate') as batch:
        batch.drop_constraint(op.f('uq_certificate_status_index'), type_='unique')
        batch.drop_column('status_index')
        batch.drop_column('qr_payload')
