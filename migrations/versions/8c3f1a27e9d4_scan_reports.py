"""Cookie scan reports and the lock that keeps one scan per site

Revision ID: 8c3f1a27e9d4
Revises: 7c1f4e9a2b6d
Create Date: 2026-12-01 19:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8c3f1a27e9d4'
down_revision = '7c1f4e9a2b6d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scan_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('violations', sa.Integer(), nullable=False),
        sa.Column('findings', sa.Integer(), nullable=False),
        sa.Column('truncated', sa.Boolean(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('scan_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_report_site_id'), ['site_id'], unique=False)
    op.create_table(
        'scan_lock',
        sa.Column('site_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('site_id'),
    )


def downgrade():
    op.drop_table('scan_lock')
    with op.batch_alter_table('scan_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_report_site_id'))
    op.drop_table('scan_report')
