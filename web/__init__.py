"""Templates and static files of the chat page, installed as the package assistant_web."""
