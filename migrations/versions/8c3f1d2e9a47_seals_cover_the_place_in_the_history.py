"""Seals cover each event's place in its consent's history

Revision ID: 8c3f1d2e9a47
Revises: 8d2e4b6f1a57
Create Date: 2026-12-01 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8c3f1d2e9a47'
down_revision = '8d2e4b6f1a57'
branch_labels = None
depends_on = None


def upgrade():
    # Rows already stored keep the seal they have: format 1, no previous event.
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('seal_version', sa.Integer(), server_default='1', nullable=False)
        )
        batch_op.add_column(sa.Column('previous_event_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_consent_event_previous_event_id'), ['previous_event_id']
        )


def downgrade():
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_consent_event_previous_event_id'), type_='unique')
        batch_op.drop_column('previous_event_id')
        batch_op.drop_column('seal_version')
