"""Audit entries sealed and chained like the consent log

Entries written before this revision keep no seal: ``flask ledger verify`` counts them as
from before sealing, and the chain starts with the first entry written after it.

Revision ID: 9a4d2c7e1b35
Revises: 8c1f4e7a2b90
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9a4d2c7e1b35'
down_revision = '8c1f4e7a2b90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seal_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_audit_entry_previous_id'), ['previous_id']
        )


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entry_previous_id'), type_='unique')
        batch_op.drop_column('seal')
        batch_op.drop_column('seal_key')
        batch_op.drop_column('previous_id')
