"""Consent events by site and consent id

Revision ID: 5b8e2c41d7a9
Revises: 19d7e5234a4b
Create Date: 2026-11-23 12:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b8e2c41d7a9'
down_revision = '19d7e5234a4b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.create_index(
            'ix_consent_event_site_consent', ['site_id', 'consent_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_event_site_consent')
