"""Categories per site: titles and descriptions per language, always_show, category_changes

Revision ID: b7d3e1f4a2c8
Revises: 5b8e2f0a3c71
Create Date: 2026-12-01 23:10:00.000000

Existing sites keep essential, functional and analytics in their places, shown as before
(``always_show`` true) and with the catalogs' texts (``texts`` empty); ``category_changes``
starts at 0, so no site's revision moves and no visitor is asked again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e1f4a2c8'
down_revision = '5b8e2f0a3c71'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(
            sa.Column('always_show', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('category_changes', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    # SQLite drops a column by copying the table: the rows that point at it must not stop that.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('category_changes')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('always_show')
        batch_op.drop_column('texts')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
