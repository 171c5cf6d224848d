"""who added a person, and who taught a seminar

``person.added_by_id`` lets a trainer see the people they entered before those are registered
anywhere (trainers otherwise see only the participants of their own seminars).
``seminar_taught_by`` keeps who taught a seminar as a fact frozen when it starts, apart from
the trainer list that may change later: separation of duties must survive a role change.
Seminars already running or completed take their current trainers as the ones who taught.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_person_added_by_id_user'), 'user',
                                    ['added_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_person_added_by_id', ['added_by_id'], unique=False)

    op.create_table(
        'seminar_taught_by',
        sa.Column('seminar_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['seminar_id'], ['seminar.id'],
                                name=op.f('fk_seminar_taught_by_seminar_id_seminar'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_seminar_taught_by_user_id_user'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('seminar_id', 'user_id', name=op.f('pk_seminar_taught_by')),
    )
    with op.batch_alter_table('seminar_taught_by', schema=None) as batch_op:
        batch_op.create_index('ix_seminar_taught_by_user_id', ['user_id'], unique=False)
    op.execute(
        "INSERT INTO seminar_taught_by (seminar_id, user_id) "
        "SELECT seminar_trainer.seminar_id, seminar_trainer.user_id FROM seminar_trainer "
        "JOIN seminar ON seminar.id = seminar_trainer.seminar_id "
        "WHERE seminar.status IN ('in_progress', 'completed')")


def downgrade():
    with op.batch_alter_table('seminar_taught_by', schema=None) as batch_op:
        batch_op.drop_index('ix_seminar_taught_by_user_id')
    op.drop_table('seminar_taught_by')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_added_by_id')
        batch_op.drop_constraint(op.f('fk_person_added_by_id_user'), type_='foreignkey')
        batch_op.drop_column('added_by_id')
