"""Policy versions: the site's own label, imported history

Revision ID: 8d2e4b6f1a57
Revises: 7c1f3a9e2b40
Create Date: 2026-12-01 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2e4b6f1a57'
down_revision = '7c1f3a9e2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('policy_version', schema=None) as batch_op:
        batch_op.drop_column('imported_at')
        batch_op.drop_column('label')
