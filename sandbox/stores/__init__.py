"""Data stores behind the sandbox agency systems.

`records` holds the document stores (health, education, police, SCRA): one SQLite
file per system with one `records` table. `socialwork` holds the relational case
system schema for SQLite and PostgreSQL.
"""
