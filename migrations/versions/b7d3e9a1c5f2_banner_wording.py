"""Banner wording: a site's own words, the texts each decision saw

Revision ID: b7d3e9a1c5f2
Revises: 6d2b9e4f7a13
Create Date: 2026-12-01 23:10:00.000000

Existing sites keep the catalogs' words (no wording) and existing events hold no texts hash:
their seals never covered one, so they verify as before and no visitor is asked again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e9a1c5f2'
down_revision = '6d2b9e4f7a13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording', sa.JSON(), nullable=True))
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts_sha256', sa.String(length=64), nullable=True))
    op.create_table(
        'banner_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'sha256'),
    )
    with op.batch_alter_table('banner_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_banner_texts_site_id'), ['site_id'], unique=False)


def downgrade():
    with op.batch_alter_table('banner_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_banner_texts_site_id'))
    op.drop_table('banner_texts')
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_column('texts_sha256')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('wording')
