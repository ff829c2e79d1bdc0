"""Check the manifest fields a person gives a document (title, language, year, sectors…)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Mapping

from assistant.collection.rules import FIELDS, FIRST_YEAR, LANGS, TEXT_FIELDS, CollectionRejected
from assistant.sectors import SECTORS

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_fields(
    raw: Mapping[str, object], known_ids: Collection[str], doc_id: str | None = None, lang: str = "en"
) -> dict[str, object | None]:
    """Return the fields cleaned (None: remove the field), or raise CollectionRejected.

    Text fields are one line, trimmed, within TEXT_FIELDS' lengths; `lang` is fr or en;
    `year` a whole number from FIRST_YEAR to next year; `sectors` known sector names;
    `translation_of` the id of another document in `known_ids`.
    """
    cleaned: dict[str, object | None] = {}
    for field, value in raw.items():
        if field not in FIELDS:
            raise CollectionRejected("field_unknown", lang, field=field, known=", ".join(FIELDS))
        if value is None or (isinstance(value, str) and not value.strip()):
            cleaned[field] = None
        elif field in TEXT_FIELDS:
            cleaned[field] = _text(field, value, lang)
        elif field == "lang":
            if value not in LANGS:
                raise CollectionRejected("field_lang_invalid", lang, known=", ".join(LANGS))
            cleaned[field] = value
        elif field == "year":
            cleaned[field] = _year(value, lang)
        elif field == "sectors":
            cleaned[field] = _sectors(value, lang)
        else:  # translation_of
            if not isinstance(value, str) or value == doc_id or value not in known_ids:
                raise CollectionRejected("translation_unknown", lang)
            cleaned[field] = value
    return cleaned


def _text(field: str, value: object, lang: str) -> str:
    limit = TEXT_FIELDS[field]
    if not isinstance(value, str) or _CONTROL.search(value) or len(value.strip()) > limit:
        raise CollectionRejected("field_text_invalid", lang, field=field, limit=limit)
    return " ".join(value.split())


def _year(value: object, lang: str) -> int:
    high = datetime.date.today().year + 1
    try:
        year = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    except ValueError:
        year = None
    if year is None or not FIRST_YEAR <= year <= high:
        raise CollectionRejected("field_year_invalid", lang, low=FIRST_YEAR, high=high)
    return year


def _sectors(value: object, lang: str) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) for name in names):
        raise CollectionRejected("sector_unknown", lang, names=str(value)[:100], known=", ".join(SECTORS))
    unknown = [name for name in names if name not in SECTORS]
    if unknown:
        raise CollectionRejected("sector_unknown", lang, names=", ".join(unknown)[:200], known=", ".join(SECTORS))
    return list(dict.fromkeys(names))
