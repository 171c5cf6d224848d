"""search names in Latin letters: recompute person.search_name (cross-script search)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:40:00

The matching form of a name (``registry.people.names.search_key``) now transliterates
Cyrillic and folds Vietnamese diacritics; every stored key is recomputed with it. The same
rule serves duplicate detection, so it is imported here rather than copied.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

person = sa.table('person', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
                  sa.column('search_name', sa.String))


def upgrade():
    from registry.people.names import search_key

    connection = op.get_bind()
    rows = connection.execute(sa.select(person.c.id, person.c.full_name)).all()
    for person_id, full_name in rows:
        connection.execute(person.update().where(person.c.id == person_id)
                           .values(search_name=search_key(full_name)))


def downgrade():
    pass  # the new keys are as good a search form for the old code as the old ones
