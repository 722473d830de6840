"""Site cookie names and announcement periods

Revision ID: 5b8e2f0a3c71
Revises: b7d3e9a1c5f2
Create Date: 2026-12-01 23:10:00.000000

Existing sites get no stored name: they use ``cc_<key>`` like new ones, and the banner moves
a visitor's old ``cookieconsent`` cookie of the same site to that name on the next visit, so
nobody is asked again. Announcements of scheduled versions start 7 days ahead.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2f0a3c71'
down_revision = 'b7d3e9a1c5f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cookie_name', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('announce_days', sa.Integer(), server_default='7', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('announce_days')
        batch_op.drop_column('cookie_name')
