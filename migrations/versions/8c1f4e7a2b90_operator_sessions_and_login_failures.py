"""Operator session generation and failed logins per account

Revision ID: 8c1f4e7a2b90
Revises: 8c3f1a27e9d4
Create Date: 2026-11-24 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8c1f4e7a2b90'
down_revision = '8c3f1a27e9d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )
    op.create_table(
        'login_failures',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failures')),
    )


def downgrade():
    op.drop_table('login_failures')
    with op.batch_alter_table('operator', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
