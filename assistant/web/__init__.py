"""The web face: the chat page, the document view and the JSON API (Flask, served by waitress)."""

from assistant.web.app import create_app, web_files

__all__ = ["create_app", "web_files"]
