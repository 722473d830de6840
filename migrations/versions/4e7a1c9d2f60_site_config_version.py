"""Site config version: what was built from a site is rebuilt only when the site changes

Revision ID: 4e7a1c9d2f60
Revises: 9a4d2c7e1b35
Create Date: 2026-12-08 20:30:00.000000

Every existing site starts at 0; the first change after the upgrade raises it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e7a1c9d2f60'
down_revision = '9a4d2c7e1b35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('config_version', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('config_version')
