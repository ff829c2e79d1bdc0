"""What the assistant says when it refuses something, in English and French: one catalogue."""

from __future__ import annotations

from assistant.placeholders import fill
from assistant.typography import french_typography

LANGUAGES = ("fr", "en")
# The values each message takes, in every language; a message not listed takes none.
FIELDS: dict[str, frozenset[str]] = {
    "question_too_long": frozenset({"length", "limit"}),
    "k_invalid": frozenset({"limit"}),
    "context_invalid": frozenset({"limit"}),
    "list_invalid": frozenset({"field"}),
    "sector_unknown": frozenset({"names", "known"}),
    "document_unknown": frozenset({"count"}),
    "passages_invalid": frozenset({"limit"}),
    "passages_unknown": frozenset({"count"}),
    "export_format_invalid": frozenset({"known"}),
    "export_lang_invalid": frozenset({"known"}),
    "too_large": frozenset({"limit"}),
    "method_not_allowed": frozenset({"method"}),
    # The collection (assistant.collection).
    "file_name_invalid": frozenset({"name"}),
    "file_type_unsupported": frozenset({"known", "name"}),
    "file_content_mismatch": frozenset({"kind", "name"}),
    "file_too_large": frozenset({"limit", "name", "size"}),
    "file_empty": frozenset({"name"}),
    "file_exists": frozenset({"name"}),
    "too_many_documents": frozenset({"limit"}),
    "field_text_invalid": frozenset({"field", "limit"}),
    "field_lang_invalid": frozenset({"known"}),
    "field_year_invalid": frozenset({"high", "low"}),
    "field_unknown": frozenset({"field", "known"}),
    "collection_manifest_invalid": frozenset({"problem"}),
}

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "bad_request": "The request could not be understood.",
        "not_json": "Send the request as JSON (Content-Type: application/json).",
        "not_utf8": "The request body is not valid UTF-8 text.",
        "malformed_json": "The request body is not valid JSON.",
        "not_object": 'The request body must be a JSON object such as {"question": "…", "k": 5}.',
        "question_missing": 'The request has no "question".',
        "question_type": 'The "question" must be text.',
        "question_empty": "The question is empty: type a question.",
        "question_too_long": "The question is too long ({length} characters): the limit is {limit} "
        "characters. Shorten it to the essential.",
        "question_invalid": "The question holds characters that are not text.",
        "k_invalid": 'The number of passages "k" must be a whole number from 1 to {limit}.',
        "context_invalid": 'The "context" must be a list of at most {limit} earlier questions, each a valid question.',
        "list_invalid": 'The "{field}" must be a list of texts.',
        "sector_unknown": "Unknown sector(s): {names}. Known sectors: {known}.",
        "document_unknown": "{count} unknown document id(s): use the ids of the documents list.",
        "passages_invalid": 'The "passages" must be a list of 1 to {limit} passage ids.',
        "passages_unknown": "{count} excerpt(s) are no longer in the documents (the index was rebuilt): "
        "remove them from your excerpts and export again.",
        "export_format_invalid": 'The "format" must be one of: {known}.',
        "export_lang_invalid": 'The "lang" must be one of: {known}.',
        "too_large": "The request is too large: a question may have at most {limit} characters.",
        "not_found": "There is nothing at this address.",
        "document_not_found": "There is no document with this id.",
        "passage_not_found": "There is no passage with this id.",
        "method_not_allowed": "This address does not accept this method ({method}).",
        "internal": "The assistant could not answer this request. Please try again.",
        "index_damaged": "The assistant's index is damaged: whoever runs the assistant must rebuild it "
        "with `assistant ingest`.",
        # The collection (assistant.collection): adding, replacing, removing, describing documents.
        "file_name_invalid": 'The file name "{name}" cannot be used: give a plain name such as guide.pdf, '
        "without folders, a leading dot or control characters.",
        "file_type_unsupported": 'The file "{name}" is not of a supported type: send a PDF, DOCX, HTML, '
        "Markdown or text file ({known}).",
        "file_content_mismatch": 'The file "{name}" does not hold what its name says ({kind} expected): '
        "it may be damaged or renamed.",
        "file_too_large": 'The file "{name}" is too large ({size} MB): the limit is {limit} MB.',
        "file_empty": 'The file "{name}" is empty.',
        "file_exists": 'A file named "{name}" is already in the collection: replace that document instead, '
        "or rename the file.",
        "too_many_documents": "The collection already holds {limit} documents, the most it may hold: "
        "remove one first.",
        "collection_document_unknown": "There is no document with this id in the collection "
        "(the list of documents shows their ids).",
        "field_text_invalid": 'The field "{field}" must be text of at most {limit} characters, on one line.',
        "field_lang_invalid": "The language must be one of: {known}.",
        "field_year_invalid": "The year must be a whole number from {low} to {high}.",
        "field_unknown": 'Unknown field "{field}". Known fields: {known}.',
        "translation_unknown": 'The "translation of" must be the id of another document of the collection.',
        "collection_manifest_invalid": "The collection's manifest.toml cannot be read ({problem}): "
        "fix it by hand first.",
        "host_not_allowed": "This assistant does not answer to the address used to reach it. Open it at "
        "http://localhost (or 127.0.0.1) on this computer, or have whoever runs it add this name with "
        "--allowed-host.",
    },
    "fr": {
        "bad_request": "La demande n'a pas pu être comprise.",
        "not_json": "Envoyez la demande en JSON (type de contenu application/json).",
        "not_utf8": "Le corps de la demande n'est pas un texte UTF-8 valide.",
        "malformed_json": "Le corps de la demande n'est pas du JSON valide.",
        "not_object": 'Le corps de la demande doit être un objet JSON avec une "question" et un "k" facultatif.',
        "question_missing": 'La demande n\'a pas de "question".',
        "question_type": 'La "question" doit être du texte.',
        "question_empty": "La question est vide : tapez une question.",
        "question_too_long": "La question est trop longue ({length} caractères) : la limite est de "
        "{limit} caractères. Raccourcissez-la à l'essentiel.",
        "question_invalid": "La question contient des caractères qui ne sont pas du texte.",
        "k_invalid": 'Le nombre de passages "k" doit être un nombre entier de 1 à {limit}.',
        "context_invalid": 'Le champ "context" doit être une liste d\'au plus {limit} questions précédentes, '
        "chacune valide.",
        "list_invalid": 'Le champ "{field}" doit être une liste de textes.',
        "sector_unknown": "Secteur(s) inconnu(s) : {names}. Secteurs connus : {known}.",
        "document_unknown": "{count} identifiant(s) de document inconnu(s) : utilisez ceux de la liste des documents.",
        "passages_invalid": 'Le champ "passages" doit être une liste de 1 à {limit} identifiants de passages.',
        "passages_unknown": "{count} extrait(s) ne sont plus dans les documents (l'index a été reconstruit) : "
        "retirez-les de vos extraits et exportez de nouveau.",
        "export_format_invalid": 'Le champ "format" doit valoir : {known}.',
        "export_lang_invalid": 'Le champ "lang" doit valoir : {known}.',
        "too_large": "La demande est trop grande : une question peut avoir au plus {limit} caractères.",
        "not_found": "Il n'y a rien à cette adresse.",
        "document_not_found": "Aucun document ne porte cet identifiant.",
        "passage_not_found": "Aucun passage ne porte cet identifiant.",
        "method_not_allowed": "Cette adresse n'accepte pas cette méthode ({method}).",
        "internal": "L'assistant n'a pas pu répondre à cette demande. Veuillez réessayer.",
        "index_damaged": "L'index de l'assistant est endommagé : la personne qui gère l'assistant doit le "
        "reconstruire avec `assistant ingest`.",
        # La collection (assistant.collection) : ajouter, remplacer, retirer, décrire des documents.
        "file_name_invalid": "Le nom de fichier « {name} » ne peut pas être utilisé : donnez un nom simple "
        "comme guide.pdf, sans dossier, sans point au début ni caractère de contrôle.",
        "file_type_unsupported": "Le fichier « {name} » n'est pas d'un type pris en charge : envoyez un fichier "
        "PDF, DOCX, HTML, Markdown ou texte ({known}).",
        "file_content_mismatch": "Le fichier « {name} » ne contient pas ce que son nom annonce ({kind} attendu) : "
        "il est peut-être endommagé ou renommé.",
        "file_too_large": "Le fichier « {name} » est trop gros ({size} Mo) : la limite est de {limit} Mo.",
        "file_empty": "Le fichier « {name} » est vide.",
        "file_exists": "Un fichier nommé « {name} » est déjà dans la collection : remplacez plutôt ce document, "
        "ou renommez le fichier.",
        "too_many_documents": "La collection contient déjà {limit} documents, le maximum : retirez-en un d'abord.",
        "collection_document_unknown": "Aucun document de la collection ne porte cet identifiant "
        "(la liste des documents montre les identifiants).",
        "field_text_invalid": "Le champ « {field} » doit être un texte d'au plus {limit} caractères, sur une ligne.",
        "field_lang_invalid": "La langue doit valoir : {known}.",
        "field_year_invalid": "L'année doit être un nombre entier de {low} à {high}.",
        "field_unknown": "Champ « {field} » inconnu. Champs connus : {known}.",
        "translation_unknown": "La « traduction de » doit être l'identifiant d'un autre document de la collection.",
        "collection_manifest_invalid": "Le manifest.toml de la collection ne peut pas être lu ({problem}) : "
        "corrigez-le d'abord à la main.",
        "host_not_allowed": "Cet assistant ne répond pas à l'adresse utilisée pour le joindre. Ouvrez-le à "
        "http://localhost (ou 127.0.0.1) sur cet ordinateur, ou demandez à la personne qui le fait "
        "fonctionner d'ajouter ce nom avec --allowed-host.",
    },
}


def message(code: str, lang: str, **values: object) -> str:
    """Return the message for an error code in a language, its values filled in (see placeholders)."""
    lang = lang if lang in _MESSAGES else "en"
    text = fill(_MESSAGES[lang][code], **values)
    return french_typography(text) if lang == "fr" else text


def message_templates(lang: str) -> dict[str, str]:
    """Return every error message of a language with its {placeholders}, for the page's script."""
    table = _MESSAGES[lang if lang in _MESSAGES else "en"]
    return {code: french_typography(text) if lang == "fr" else text for code, text in table.items()}
