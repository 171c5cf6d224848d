"""search keys for the seminar list: a seminar's title and venue, a user's name

The same matching form as a person's name (``registry.people.names.search_key``: Latin letters,
case and diacritics folded), stored so that "Баянзүрх" finds "Bayanzurkh" and lower-case
Cyrillic finds anything at all on SQLite (whose LIKE folds ASCII only). Kept up to date by the
models on every save; computed here for the rows already there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

seminar = sa.table('seminar', sa.column('id', sa.Integer), sa.column('title', sa.String),
                   sa.column('venue', sa.String), sa.column('search_text', sa.String))
user = sa.table('user', sa.column('id', sa.Integer), sa.column('name', sa.String),
                sa.column('search_name', sa.String))


def upgrade():
    from registry.seminars.models import seminar_search_text
    from registry.people.names import search_key

    with op.batch_alter_table('seminar') as batch:
        batch.add_column(sa.Column('search_text', sa.String(length=520), server_default='',
                                   nullable=False))
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('search_name', sa.String(length=250), server_default='',
                                   nullable=False))
    connection = op.get_bind()
    for seminar_id, title, venue in connection.execute(
            sa.select(seminar.c.id, seminar.c.title, seminar.c.venue)).all():
        connection.execute(seminar.update().where(seminar.c.id == seminar_id)
                           .values(search_text=seminar_search_text(title, venue)))
    for user_id, name in connection.execute(sa.select(user.c.id, user.c.name)).all():
        connection.execute(user.update().where(user.c.id == user_id)
                           .values(search_name=search_key(name)))


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('search_name')
    with op.batch_alter_table('seminar') as batch:
        batch.drop_column('search_text')
