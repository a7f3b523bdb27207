"""The home page and the health endpoints."""
