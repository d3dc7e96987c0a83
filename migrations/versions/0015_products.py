"""Products and versions as data; a question's version; the version a staff verification was checked against; weekly recurring-issue scores

Revision ID: 0015_products
Revises: 0014_insights
Create Date: 2026-12-07 09:30:00

Seeds `products` from the product names threads already carry and from the
PRODUCTS setting, so the forms keep offering the same list after the upgrade.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_products'
down_revision = '0014_insights'
branch_labels = None
depends_on = None


def _configured_products() -> list[str]:
    try:
        from flask import current_app
        return list(current_app.config.get("PRODUCTS") or [])
    except RuntimeError:          # run outside an app (plain alembic)
        return []


def upgrade():
    op.create_table(
        'products',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
        sa.UniqueConstraint('name', name=op.f('uq_products_name')),
    )
    op.create_table(
        'product_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('released_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_product_versions_product_id_products'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_versions')),
        sa.UniqueConstraint('product_id', 'name', name=op.f('uq_product_versions_product_id_name')),
    )
    op.create_index(op.f('ix_product_versions_product_id'), 'product_versions', ['product_id'])
    op.create_table(
        'product_owners',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_product_owners_product_id_products'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_product_owners_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', 'user_id', name=op.f('pk_product_owners')),
    )
    op.create_index(op.f('ix_product_owners_user_id'), 'product_owners', ['user_id'])
    op.create_table(
        'recurring_scores',
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('duplicates', sa.Integer(), nullable=False),
        sa.Column('merged', sa.Integer(), nullable=False),
        sa.Column('me_toos', sa.Integer(), nullable=False),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.Column('not_solved', sa.Integer(), nullable=False),
        sa.Column('failed_searches', sa.Integer(), nullable=False),
        sa.Column('product', sa.String(length=100), nullable=True),
        sa.Column('product_version', sa.String(length=50), nullable=True),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['posts.id'],
                                name=op.f('fk_recurring_scores_question_id_posts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('question_id', 'week', name=op.f('pk_recurring_scores')),
    )
    op.create_index('ix_recurring_scores_week_score', 'recurring_scores', ['week', 'score'])
    op.create_table(
        'recurring_digests',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_recurring_digests_product_id_products'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', 'week', name=op.f('pk_recurring_digests')),
    )
    with op.batch_alter_table('posts') as batch:
        batch.add_column(sa.Column('product_version', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('official_version', sa.String(length=50), nullable=True))

    # Seed the product list: names threads already carry, then the PRODUCTS setting.
    bind = op.get_bind()
    names = [row[0] for row in bind.execute(sa.text(
        "SELECT DISTINCT product FROM posts WHERE product IS NOT NULL AND product <> '' ORDER BY product"))]
    for name in _configured_products():
        if name not in names:
            names.append(name)
    if names:
        products = sa.table('products', sa.column('name', sa.String),
                            sa.column('created_at', sa.DateTime))
        now = sa.func.current_timestamp()
        for name in names:
            bind.execute(products.insert().values(name=name[:100], created_at=now))


def downgrade():
    with op.batch_alter_table('posts') as batch:
        batch.drop_column('official_version')
        batch.drop_column('product_version')
    op.drop_table('recurring_digests')
    op.drop_index('ix_recurring_scores_week_score', table_name='recurring_scores')
    op.drop_table('recurring_scores')
    op.drop_index(op.f('ix_product_owners_user_id'), table_name='product_owners')
    op.drop_table('product_owners')
    op.drop_index(op.f('ix_product_versions_product_id'), table_name='product_versions')
    op.drop_table('product_versions')
    op.drop_table('products')
