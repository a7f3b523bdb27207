"""SQLAlchemy models and the query functions: the only code that touches the configuration database."""
