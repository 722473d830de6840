"""Consent Mode signals by category and its three settings; Webvisor as a service of its own

Revision ID: 6d2b9e4f7a13
Revises: 5b8e2f1c7a43
Create Date: 2026-12-01 23:10:00.000000

Existing sites keep what their banner sends: no stored mapping means each category grants its
default signals (functional and analytics as before, no ads), and the three settings start
off. A site that had Webvisor on gets the service "Yandex Webvisor" under analytics, the
category that gated it before, so no visitor's consent changes meaning and nobody is asked
again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2b9e4f7a13'
down_revision = '5b8e2f1c7a43'
branch_labels = None
depends_on = None

site = sa.table(
    'site', sa.column('id', sa.Integer), sa.column('metrika_options', sa.JSON)
)
service = sa.table(
    'service',
    sa.column('site_id', sa.Integer),
    sa.column('key', sa.String),
    sa.column('name', sa.String),
    sa.column('category', sa.String),
    sa.column('provider', sa.String),
    sa.column('cookies', sa.JSON),
    sa.column('storage_keys', sa.JSON),
)
WEBVISOR = 'yandex-webvisor'


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_mode_signals', sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column('consent_mode_wait_ms', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('ads_data_redaction', sa.Boolean(), server_default=sa.false(),
                      nullable=False)
        )
        batch_op.add_column(
            sa.Column('url_passthrough', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    connection = op.get_bind()
    taken = {row.site_id for row in connection.execute(
        sa.select(service.c.site_id).where(service.c.key == WEBVISOR)
    )}
    rows = [
        {'site_id': row.id, 'key': WEBVISOR, 'name': 'Yandex Webvisor', 'category': 'analytics',
         'provider': 'Yandex LLC', 'cookies': [], 'storage_keys': []}
        for row in connection.execute(sa.select(site.c.id, site.c.metrika_options))
        if (row.metrika_options or {}).get('webvisor') and row.id not in taken
    ]
    if rows:
        op.bulk_insert(service, rows)


def downgrade():
    op.execute(service.delete().where(service.c.key == WEBVISOR))
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('url_passthrough')
        batch_op.drop_column('ads_data_redaction')
        batch_op.drop_column('consent_mode_wait_ms')
        batch_op.drop_column('consent_mode_signals')
