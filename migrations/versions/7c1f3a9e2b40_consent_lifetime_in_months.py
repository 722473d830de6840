"""Consent lifetime in calendar months, the site's time zone

Revision ID: 7c1f3a9e2b40
Revises: 5b8e2c41d7a9
Create Date: 2026-12-01 19:40:00.000000

Existing sites keep their lifetime in days (the new column stays empty), so no stored expiry
and no visitor's decision changes. Times are stored in UTC as before; the zone only says how
the site's pages show them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1f3a9e2b40'
down_revision = '5b8e2c41d7a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_lifetime_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'time_zone', sa.String(length=64), server_default='Asia/Almaty', nullable=False
        ))


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('consent_lifetime_months')
