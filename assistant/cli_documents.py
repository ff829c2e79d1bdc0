"""`assistant documents`: list, add, replace, correct or remove the collection's documents from a terminal.

The same code as the page's (assistant.collection); after a change the index is brought up
to date in the foreground, as `assistant ingest` does, unless --no-build.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from assistant import (
    SECTORS,
    Settings,
    UserError,
    add_document,
    build_index,
    list_documents,
    remove_document,
    replace_document,
    report_to_dict,
    update_fields,
)

EXIT_PROBLEM = 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_PROBLEM)


def _field_options(command):
    """Add the manifest-field options a citation needs to a command."""
    options = [
        click.option("--title", help="Title shown in citations."),
        click.option("--lang", type=click.Choice(["fr", "en"]), help="Language of the document."),
        click.option("--organisation", help="Organisation that published it."),
        click.option("--kind", help="Kind of document (guide, report, web page…)."),
        click.option("--source", help="Where it comes from (an address or a description)."),
        click.option("--year", type=int, help="Year of publication."),
        click.option("--sector", "sectors", multiple=True, type=click.Choice(SECTORS),
                     help="Sector it concerns (repeat for several)."),
        click.option("--translation-of", help="Id of the document this one translates."),
        click.option("--no-build", is_flag=True, help="Change the collection only; run `assistant ingest` later."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _given(fields: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in fields.items() if value not in (None, ())}


def _build(settings: Settings) -> None:
    """Bring the index up to date and say what changed, as `assistant ingest` does."""
    try:
        report = report_to_dict(build_index(settings.corpus_dir, settings.index_dir, settings.encoder, progress=True))
    except UserError as error:
        _fail(f"{error} (the previous index, if any, is unchanged)")
    except OSError as error:
        _fail(f"could not write the index in {settings.index_dir}: {error.strerror or error} "
              "(the previous index, if any, is unchanged)")
    for skipped in report["skipped"]:
        click.echo(f"warning: skipped {skipped['file']}: {skipped['reason']}", err=True)
    click.echo(f"indexed {report['passages']} passages from {report['documents']} documents "
               f"in {report['seconds']:.1f} s ({report['embedded']} embedded)")
    for label in ("added", "changed", "removed"):
        if report[label]:
            click.echo(f"{label}: {', '.join(report[label])}")


@click.group()
def documents() -> None:
    """List, add, replace, correct or remove the documents of the collection (corpus/)."""


@documents.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_obj
def list_command(settings: Settings, as_json: bool) -> None:
    """Show every document with its state: indexed (n passages), new, changed, skipped and why, missing."""
    try:
        states = list_documents(settings.corpus_dir, settings.index_dir)
    except UserError as error:
        _fail(str(error))
    if as_json:
        click.echo(json.dumps({"documents": [state.to_dict() for state in states]}, ensure_ascii=False, indent=2))
        return
    for state in states:
        detail = f"{state.passages} passages" if state.state == "indexed" else state.reason or ""
        title = state.fields.get("title") or state.file
        click.echo(f"{state.doc_id}\t{state.state}\t{detail}\t{title}")


@documents.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_field_options
@click.pass_obj
def add_command(settings: Settings, file: Path, no_build: bool, **fields: object) -> None:
    """Copy FILE into the collection with its manifest fields, then update the index."""
    try:
        state = add_document(settings.corpus_dir, settings.index_dir, file.name, file.read_bytes(), _given(fields))
    except UserError as error:
        _fail(str(error))
    click.echo(f"added {state.file} as {state.doc_id}")
    if not no_build:
        _build(settings)


@documents.command("replace")
@click.argument("doc_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-build", is_flag=True, help="Change the collection only; run `assistant ingest` later.")
@click.pass_obj
def replace_command(settings: Settings, doc_id: str, file: Path, no_build: bool) -> None:
    """Put FILE in place of the document DOC_ID's file (same type; its id and fields stay)."""
    try:
        state = replace_document(settings.corpus_dir, settings.index_dir, doc_id, file.name, file.read_bytes())
    except UserError as error:
        _fail(str(error))
    click.echo(f"replaced {state.file} ({state.doc_id})")
    if not no_build:
        _build(settings)


@documents.command("edit")
@click.argument("doc_id")
@_field_options
@click.option("--clear", "cleared", multiple=True, metavar="FIELD", help="Remove a field (repeat for several).")
@click.pass_obj
def edit_command(settings: Settings, doc_id: str, no_build: bool, cleared: tuple[str, ...], **fields: object) -> None:
    """Set or correct the manifest fields of the document DOC_ID."""
    changes = {**_given(fields), **dict.fromkeys(cleared)}
    try:
        state = update_fields(settings.corpus_dir, settings.index_dir, doc_id, changes)
    except UserError as error:
        _fail(str(error))
    click.echo(f"updated {state.doc_id}: {json.dumps(state.fields, ensure_ascii=False)}")
    if not no_build:
        _build(settings)


@documents.command("remove")
@click.argument("doc_id")
@click.option("--no-build", is_flag=True, help="Change the collection only; run `assistant ingest` later.")
@click.pass_obj
def remove_command(settings: Settings, doc_id: str, no_build: bool) -> None:
    """Delete the document DOC_ID's file and manifest entry, then update the index."""
    try:
        state = remove_document(settings.corpus_dir, settings.index_dir, doc_id)
    except UserError as error:
        _fail(str(error))
    click.echo(f"removed {state.file} ({state.doc_id})")
    if not no_build:
        _build(settings)
