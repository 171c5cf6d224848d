"""server-side sessions and sign-in throttling per account and address

Sessions become records (signing out ends them; a copied cookie stops working) and the
account lockout - a switch anyone could use to keep a user out - becomes a throttle per
account name and client address. Existing cookies stop working: everyone signs in once more.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The app's UTCTimestamp is DateTime(timezone=True) underneath; the migration keeps its own copy
# of the column type instead of importing live application code.
Timestamp = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_digest', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', Timestamp, nullable=False),
        sa.Column('last_seen_at', Timestamp, nullable=False),
        sa.Column('ended_at', Timestamp, nullable=True),
        sa.Column('end_reason', sa.String(length=30), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('key_digest', name=op.f('uq_user_session_key_digest')),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_id_ended_at', ['user_id', 'ended_at'],
                              unique=False)
    op.create_table(
        'sign_in_throttle',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('account', sa.String(length=254), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('window_started_at', Timestamp, nullable=False),
        sa.Column('refused_until', Timestamp, nullable=True),
        sa.Column('refusal_recorded', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'account', 'address', name=op.f('pk_sign_in_throttle')),
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_session_token', type_='unique')
        batch_op.drop_column('session_token')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins_since')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('failed_logins_since', Timestamp, nullable=True))
        batch_op.add_column(sa.Column('locked_until', Timestamp, nullable=True))
        # Every user gets a fresh random token (the old ones are gone with the sessions).
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    import secrets

    for (user_id,) in connection.execute(sa.text('SELECT id FROM "user"')).fetchall():
        connection.execute(sa.text('UPDATE "user" SET session_token = :token WHERE id = :id'),
                           {"token": secrets.token_urlsafe(24), "id": user_id})
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_unique_constraint('uq_user_session_token', ['session_token'])
    op.drop_table('sign_in_throttle')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_id_ended_at')
    op.drop_table('user_session')
