"""Service texts per language: name, provider, purpose, each cookie's purpose and lifetime

Revision ID: 6d2a9f4c1e83
Revises: b7d3e1f4a2c8
Create Date: 2026-12-01 23:10:00.000000

A service declared before keeps its name and provider as the text of its site's default
language, so the banner shows what it showed; nothing a visitor decided depends on these texts,
and no site's policy revision changes, so no visitor is asked again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2a9f4c1e83'
down_revision = 'b7d3e1f4a2c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texts', sa.JSON(), server_default='{}', nullable=False))
    bind = op.get_bind()
    service = sa.table(
        'service', sa.column('id', sa.Integer), sa.column('site_id', sa.Integer),
        sa.column('name', sa.String), sa.column('provider', sa.String),
        sa.column('texts', sa.JSON),
    )
    site = sa.table('site', sa.column('id', sa.Integer),
                    sa.column('default_language', sa.String))
    rows = bind.execute(
        sa.select(service.c.id, service.c.name, service.c.provider, site.c.default_language)
        .join(site, site.c.id == service.c.site_id)
    ).all()
    for row in rows:
        typed = {'name': row.name}
        if row.provider:
            typed['provider'] = row.provider
        bind.execute(service.update().where(service.c.id == row.id)
                     .values(texts={row.default_language: typed}))


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('texts')
