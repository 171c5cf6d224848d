"""texts per printed language: a certificate's halves, and the issuer's name per language

``certificate.printed_texts`` keeps, in print order, what each language's half of the paper
says (course title, standards line, issuer, the kind of certificate) - a snapshot, signed with
the rest. Revisions issued before have none and print as they always did.
``issuer_settings.translations`` holds the issuer's name and place of issue per language
(registry/localized.py); ``issuer_settings.place_of_issue`` is the city printed on
certificates ("Issued in Tashkent"), empty until an admin sets it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('printed_texts', sa.JSON(), server_default='[]',
                                   nullable=False))
    with op.batch_alter_table('issuer_settings') as batch:
        batch.add_column(sa.Column('translations', sa.JSON(), server_default='{}',
                                   nullable=False))
        batch.add_column(sa.Column('place_of_issue', sa.String(length=120), server_default='',
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('issuer_settings') as batch:
        batch.drop_column('place_of_issue')
        batch.drop_column('translations')
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('printed_texts')
