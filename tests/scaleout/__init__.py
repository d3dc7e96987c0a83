"""Two gunicorn servers against one PostgreSQL database and one Redis."""
