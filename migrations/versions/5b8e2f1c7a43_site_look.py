"""Site look: the banner's colours, radius and layout per site

Revision ID: 5b8e2f1c7a43
Revises: 4e7a1c9d2f60
Create Date: 2026-12-01 23:10:00.000000

Every existing site gets the empty look, which is the default one: its banner keeps its
colours, and its visitors' decisions stand (the look is no part of the policy revision).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2f1c7a43'
down_revision = '4e7a1c9d2f60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('look', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('look')
