"""The `assistant` command: the CLI's commands and the web face's `serve`, in one group.

The two faces never import each other; this module, above both, puts them together.
"""

from assistant.startup import paused_collection

with paused_collection():  # the faces' imports: flask, click, waitress (see assistant.startup)
    from assistant.cli import main
    from assistant.cli_documents import documents
    from assistant.web.command import serve

main.add_command(serve)
main.add_command(documents)

if __name__ == "__main__":  # pragma: no cover
    main()
