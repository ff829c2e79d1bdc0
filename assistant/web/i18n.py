"""The interface's words in English and French (which language a request wants: web/language.py)."""

from __future__ import annotations

from functools import cache

from flask import Request

from assistant.typography import french_typography
from assistant.web.language import (  # noqa: F401 - where the pages have always found them
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE,
    LANGUAGES,
    browser_language,
    chosen_language,
    request_language,
)

# The values each string takes (filled by the page's script, or by `fill` in a template);
# a string not listed takes none.
STRING_FIELDS: dict[str, frozenset[str]] = {
    "found": frozenset({"count"}),
    "passage_number": frozenset({"number"}),
    "translation": frozenset({"language"}),
    "other_language_version": frozenset({"language"}),
    "basket_count": frozenset({"count"}),
    "basket_item_label": frozenset({"number", "title"}),
    "basket_announce_added": frozenset({"count"}),
    "basket_announce_removed": frozenset({"count"}),
    "basket_announce_moved": frozenset({"position", "count"}),
    "basket_announce_exported": frozenset({"count"}),
    "basket_cleared": frozenset({"count"}),
    "filters_active": frozenset({"count"}),
    "question_counter": frozenset({"count", "limit"}),
    "question_too_long": frozenset({"count", "limit"}),
}

_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "app_title": "Guidance assistant",
        "tagline": "Ask a question in French or English: the answer is made of cited passages "
        "from the documents.",
        "skip_to_question": "Skip to the question",
        "switch_language": "Français",
        "switch_language_label": "Afficher l’interface en français",
        "question_label": "Your question",
        "question_hint": "Enter sends the question; Shift+Enter adds a line.",
        "question_placeholder": "e.g. How do I start a partnership with the police?",
        "ask": "Ask",
        "starters_heading": "Not sure where to start? Try one of these:",
        "conversation_heading": "Answers",
        "clear_conversation": "Clear the conversation",
        "privacy_note": "Your questions stay in this browser tab: nothing you ask is stored on the server.",
        "noscript": "This page needs JavaScript to ask questions. The documents can still be read "
        "from their links.",
        "you_asked": "You asked:",
        "searching": "Searching the documents…",
        "found": "{count} cited passages found.",
        "found_one": "1 cited passage found.",
        "no_answer": "The documents do not seem to answer this question.",
        "rephrase": "Try rephrasing it: other words, a more precise situation, or the other language.",
        "closest": "Show the closest passages anyway",
        "passage_number": "Passage {number}",
        "section": "Section",
        "organisation": "Organisation",
        "source": "Source",
        "read_in_context": "Read in context",
        "copy_citation": "Copy citation",
        "copied": "Citation copied.",
        "copy_failed": "The citation could not be copied; select the text and copy it instead.",
        "translation": "Show the same passage in {language}",
        "lang_en": "English",
        "lang_fr": "French",
        "error_unreachable": "The assistant could not be reached. Is it still running?",
        "error_generic": "Something went wrong. Please try again.",
        "documents_heading": "Documents",
        "back_to_chat": "Back to the questions",
        "document_about": "Document",
        "year": "Year",
        "kind": "Kind",
        "passage_shown": "The passage you opened is highlighted.",
        "other_language_version": "Version in {language}",
        "not_found_title": "Page not found",
        "not_found_body": "There is no such page or document here.",
        "error_title": "Something went wrong",
        "error_body": "The request could not be handled.",
        "basket_add": "Add to my excerpts",
        "basket_added": "In my excerpts",
        "basket_added_label": "In my excerpts: press to remove it",
        "basket_heading": "My excerpts",
        "basket_note": "Kept in this browser only. Put them in order, then export them with their "
        "references for a training session.",
        "basket_empty": "No excerpt yet: use “Add to my excerpts” on a passage.",
        "basket_count": "{count} excerpt(s)",
        "basket_up": "Move up",
        "basket_down": "Move down",
        "basket_remove": "Remove",
        "basket_item_label": "excerpt {number}: {title}",
        "basket_export_md": "Export as Markdown",
        "basket_export_docx": "Export as Word (DOCX)",
        "basket_clear": "Empty my excerpts",
        "basket_announce_added": "Added to your excerpts ({count}).",
        "basket_announce_removed": "Removed from your excerpts ({count} left).",
        "basket_announce_moved": "Excerpt moved to position {position} of {count}.",
        "basket_announce_exported": "Your {count} excerpt(s) were exported.",
        "basket_gone": "No longer in the documents",
        "filters_heading": "Filter the passages",
        "filters_sectors": "Sectors",
        "filters_documents": "Documents",
        "filters_active": "{count} filter(s) on",
        "filters_clear": "Remove the filters",
        "sector_community": "Community",
        "sector_institutional": "Institutional",
        "sector_police": "Police",
        "sector_school": "School",
        "chat_heading": "Ask the documents",
        "question_counter": "{count} / {limit} characters",
        "question_too_long": "Your question is too long ({count} characters): the limit is {limit}. "
        "Shorten it to the essential; nothing was sent.",
        "question_empty": "Type a question first.",
        "unfold_question": "Show the whole question",
        "fold_question": "Fold the question",
        "confidence_high": "Strong match",
        "confidence_medium": "Partial match: check the passages",
        "confidence_low": "The documents do not seem to answer",
        "understood_as": "Understood as:",
        "related_sections": "Read more in:",
        "related_questions": "Other questions to explore:",
        "undo": "Undo",
        "close": "Close",
        "basket_cleared": "Your excerpts were emptied ({count} removed).",
        "conversation_cleared": "The conversation was cleared.",
        "restored": "Restored.",
        "copied_short": "Copied",
        "kind_web page": "web page",
        "kind_example of collaboration": "example of collaboration",
        "kind_tips": "tips",
        "kind_thematic document": "thematic document",
        "footer": "Works offline: the documents and the search stay on this computer.",
    },
    "fr": {
        "app_title": "Assistant d'orientation",
        "tagline": "Posez une question en français ou en anglais : la réponse est faite de passages "
        "cités des documents.",
        "skip_to_question": "Aller à la question",
        "switch_language": "English",
        "switch_language_label": "Show the interface in English",
        "question_label": "Votre question",
        "question_hint": "Entrée envoie la question ; Maj+Entrée ajoute une ligne.",
        "question_placeholder": "p. ex. Comment démarrer un partenariat avec la police ?",
        "ask": "Demander",
        "starters_heading": "Vous ne savez pas par où commencer ? Essayez :",
        "conversation_heading": "Réponses",
        "clear_conversation": "Effacer la conversation",
        "privacy_note": "Vos questions restent dans cet onglet : rien de ce que vous demandez n'est "
        "conservé sur le serveur.",
        "noscript": "Cette page a besoin de JavaScript pour poser des questions. Les documents restent "
        "lisibles par leurs liens.",
        "you_asked": "Vous avez demandé :",
        "searching": "Recherche dans les documents…",
        "found": "{count} passages cités trouvés.",
        "found_one": "1 passage cité trouvé.",
        "no_answer": "Les documents ne semblent pas répondre à cette question.",
        "rephrase": "Essayez de la reformuler : d'autres mots, une situation plus précise, ou l'autre langue.",
        "closest": "Voir quand même les passages les plus proches",
        "passage_number": "Passage {number}",
        "section": "Section",
        "organisation": "Organisme",
        "source": "Source",
        "read_in_context": "Lire dans le document",
        "copy_citation": "Copier la citation",
        "copied": "Citation copiée.",
        "copy_failed": "La citation n'a pas pu être copiée ; sélectionnez le texte pour le copier.",
        "translation": "Voir le même passage en {language}",
        "lang_en": "anglais",
        "lang_fr": "français",
        "error_unreachable": "L'assistant ne répond pas. Est-il toujours lancé ?",
        "error_generic": "Un problème est survenu. Veuillez réessayer.",
        "documents_heading": "Documents",
        "back_to_chat": "Retour aux questions",
        "document_about": "Document",
        "year": "Année",
        "kind": "Type",
        "passage_shown": "Le passage que vous avez ouvert est surligné.",
        "other_language_version": "Version en {language}",
        "not_found_title": "Page introuvable",
        "not_found_body": "Cette page ou ce document n'existe pas ici.",
        "error_title": "Un problème est survenu",
        "error_body": "La demande n'a pas pu être traitée.",
        "basket_add": "Ajouter à mes extraits",
        "basket_added": "Dans mes extraits",
        "basket_added_label": "Dans mes extraits : appuyer pour le retirer",
        "basket_heading": "Mes extraits",
        "basket_note": "Conservés dans ce navigateur seulement. Mettez-les en ordre, puis exportez-les "
        "avec leurs références pour une formation.",
        "basket_empty": "Aucun extrait pour l'instant : utilisez « Ajouter à mes extraits » sur un passage.",
        "basket_count": "{count} extrait(s)",
        "basket_up": "Monter",
        "basket_down": "Descendre",
        "basket_remove": "Retirer",
        "basket_item_label": "extrait {number} : {title}",
        "basket_export_md": "Exporter en Markdown",
        "basket_export_docx": "Exporter en Word (DOCX)",
        "basket_clear": "Vider mes extraits",
        "basket_announce_added": "Ajouté à vos extraits ({count}).",
        "basket_announce_removed": "Retiré de vos extraits (il en reste {count}).",
        "basket_announce_moved": "Extrait déplacé en position {position} sur {count}.",
        "basket_announce_exported": "Vos {count} extrait(s) ont été exportés.",
        "basket_gone": "N'est plus dans les documents",
        "filters_heading": "Filtrer les passages",
        "filters_sectors": "Secteurs",
        "filters_documents": "Documents",
        "filters_active": "{count} filtre(s) actif(s)",
        "filters_clear": "Retirer les filtres",
        "sector_community": "Communautaire",
        "sector_institutional": "Institutionnel",
        "sector_police": "Policier",
        "sector_school": "Scolaire",
        "chat_heading": "Interroger les documents",
        "question_counter": "{count} / {limit} caractères",
        "question_too_long": "Votre question est trop longue ({count} caractères) : la limite est de {limit}. "
        "Raccourcissez-la à l'essentiel ; rien n'a été envoyé.",
        "question_empty": "Tapez d'abord une question.",
        "unfold_question": "Afficher toute la question",
        "fold_question": "Replier la question",
        "confidence_high": "Correspondance forte",
        "confidence_medium": "Correspondance partielle : vérifiez les passages",
        "confidence_low": "Les documents ne semblent pas répondre",
        "understood_as": "Compris comme :",
        "related_sections": "En lire plus dans :",
        "related_questions": "D'autres questions à explorer :",
        "undo": "Annuler",
        "close": "Fermer",
        "basket_cleared": "Vos extraits ont été vidés ({count} retirés).",
        "conversation_cleared": "La conversation a été effacée.",
        "restored": "Rétabli.",
        "copied_short": "Copiée",
        "kind_web page": "page Web",
        "kind_example of collaboration": "exemple de collaboration",
        "kind_tips": "conseils",
        "kind_thematic document": "document thématique",
        "footer": "Fonctionne hors ligne : les documents et la recherche restent sur cet ordinateur.",
    },
}

# Starter questions are shown in both languages whatever the interface's language.
STARTERS: tuple[tuple[str, str], ...] = (
    ("fr", "Comment démarrer un partenariat avec la police ?"),
    ("fr", "Quels sont les bénéfices des collaborations intersectorielles ?"),
    ("fr", "Comment faire face au roulement du personnel chez nos partenaires ?"),
    ("en", "How do I start a partnership with the police?"),
    ("en", "What are the benefits of cross-sectoral collaboration?"),
    ("en", "What gets in the way of collaboration between organisations?"),
)

@cache
def strings(lang: str) -> dict[str, str]:
    """Return the interface's strings in a language, French ones set in French typography."""
    table = _STRINGS[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    if lang == "fr":
        return {key: french_typography(value) for key, value in table.items()}
    return dict(table)


def starters() -> list[dict[str, str]]:
    """Return the starter questions, French ones set in French typography."""
    return [
        {"lang": lang, "text": french_typography(text) if lang == "fr" else text} for lang, text in STARTERS
    ]


def kind_label(kind: str, lang: str) -> str:
    """Return a document kind of the manifest ("web page") in the interface's language."""
    return strings(lang).get(f"kind_{kind}", kind)


def page_context(request: Request) -> dict[str, object]:
    """Return what every page's template needs: the language, its strings, the switch's target."""
    lang = request_language(request)
    return {
        "lang": lang,
        "other_lang": next(code for code in LANGUAGES if code != lang),
        "ui": strings(lang),
        "path": request.path,
    }
