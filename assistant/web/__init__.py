"""The chat page and JSON API (Flask)."""
