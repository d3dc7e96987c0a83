"""PostgreSQL full-text search: search_threads (weighted tsvector, GIN), search_words, search_pending

Revision ID: 0003_postgres_search
Revises: 0002_import_source
Create Date: 2026-12-01 16:30:00.000000

The tables belong to the postgres search backend (search/postgres_index.py), not
to the ORM: SQLite cannot hold a tsvector, so on SQLite this revision does
nothing, and migrations/env.py leaves `search_*` tables out of autogenerate.
The tables start empty on a database that already has posts:
`flask search reindex` fills them.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_postgres_search'
down_revision = '0002_import_source'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("""
        CREATE TABLE search_threads (
            id integer NOT NULL,
            title text NOT NULL DEFAULT '',
            tags text[] NOT NULL DEFAULT '{}',
            product text,
            author text NOT NULL DEFAULT '',
            status text NOT NULL DEFAULT 'open',
            solved boolean NOT NULL DEFAULT false,
            official boolean NOT NULL DEFAULT false,
            known boolean NOT NULL DEFAULT false,
            unanswered boolean NOT NULL DEFAULT true,
            duplicate_of integer,
            score integer NOT NULL DEFAULT 0,
            answer_count integer NOT NULL DEFAULT 0,
            created_at timestamp without time zone NOT NULL,
            activity_at timestamp without time zone NOT NULL,
            snippet text NOT NULL DEFAULT '',
            words text[] NOT NULL DEFAULT '{}',
            heading tsvector NOT NULL,
            document tsvector NOT NULL,
            CONSTRAINT pk_search_threads PRIMARY KEY (id),
            CONSTRAINT fk_search_threads_id_posts FOREIGN KEY (id)
                REFERENCES posts (id) ON DELETE CASCADE
        )
    """)
    # A small pending list: GIN still batches inserts, but a search never has to
    # scan megabytes of not-yet-merged entries (which also makes the planner shun it).
    op.execute("CREATE INDEX ix_search_threads_document ON search_threads USING gin (document)"
               " WITH (gin_pending_list_limit = 256)")
    op.execute("CREATE INDEX ix_search_threads_heading ON search_threads USING gin (heading)"
               " WITH (gin_pending_list_limit = 256)")
    op.execute("CREATE INDEX ix_search_threads_tags ON search_threads USING gin (tags)"
               " WITH (gin_pending_list_limit = 256)")
    op.execute("CREATE INDEX ix_search_threads_created_at ON search_threads (created_at, id)")
    op.execute("CREATE INDEX ix_search_threads_activity_at ON search_threads (activity_at, id)")
    op.execute("CREATE INDEX ix_search_threads_score ON search_threads (score, id)")
    op.execute("""
        CREATE TABLE search_words (
            word text COLLATE "C" NOT NULL,
            ndoc integer NOT NULL DEFAULT 0,
            CONSTRAINT pk_search_words PRIMARY KEY (word)
        )
    """)
    op.execute("CREATE INDEX ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)"
               " WITH (gin_pending_list_limit = 256)")
    # Threads to write again: changed during a reindex, or whose lock was busy.
    op.execute("CREATE TABLE search_pending (id integer NOT NULL,"
               " CONSTRAINT pk_search_pending PRIMARY KEY (id))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_pending")
    op.execute("DROP TABLE IF EXISTS search_words")
    op.execute("DROP TABLE IF EXISTS search_threads")
    # pg_trgm stays: an extension is database-wide and may serve others.
