"""Score retrieval on a file of questions with evidence strings (see shared/eval/README.md)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.records import Answer

log = logging.getLogger(__name__)

RECALL_AT = (1, 3, 5, 10)
MRR_AT = 10
MAX_HIT_WORDS = 200  # a longer passage is a document, not a citation: never a hit
NO_ANSWER = "no-answer"
CONFIDENCE_LEVELS = ("high", "medium", "low")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_SPACE = re.compile(r"\s+")


class EvalFileProblem(ValueError):
    """The questions file cannot be read; the message names the line."""


@dataclass(frozen=True)
class Question:
    """One evaluation question and the evidence strings any of which answers it."""

    question_id: str
    question: str
    lang: str
    kind: str
    evidence: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.kind != NO_ANSWER and bool(self.evidence)


@dataclass(frozen=True)
class Outcome:
    """What the system returned for one question, as the scoring sees it."""

    question: Question
    first_hit: int | None  # 1-based rank of the first passage holding evidence
    said_answerable: bool
    passage_words: tuple[int, ...]
    top_dense: float | None = None  # best dense similarity among the returned passages
    confidence: str = ""  # "high" | "medium" | "low"
    signals: dict[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Scores:
    """Recall@k and MRR@10 over a group of answerable questions."""

    count: int
    recall: dict[int, float]
    mrr: float


@dataclass(frozen=True)
class Report:
    """The scores of one retriever on one questions file."""

    retriever: str
    k: int
    overall: Scores
    by_lang: dict[str, Scores]
    by_kind: dict[str, Scores]
    no_answer_count: int
    no_answer_detected: float | None  # share of no-answer questions declared unanswerable
    wrongly_rejected: float | None  # share of answerable questions declared unanswerable
    mean_passage_words: float
    outcomes: tuple[Outcome, ...] = field(default=(), repr=False)

    def confidence_table(self) -> dict[str, dict[str, int]]:
        """Return how many answerable and no-answer questions got each confidence level."""
        table = {group: dict.fromkeys(CONFIDENCE_LEVELS, 0) for group in ("answerable", NO_ANSWER)}
        for outcome in self.outcomes:
            if outcome.confidence in CONFIDENCE_LEVELS:
                group = "answerable" if outcome.question.answerable else NO_ANSWER
                table[group][outcome.confidence] += 1
        return table

    def to_dict(self) -> dict:
        """Return the report as JSON-ready data."""
        def scores(group: Scores) -> dict:
            return {"count": group.count, **{f"recall@{n}": value for n, value in group.recall.items()},
                    f"mrr@{MRR_AT}": group.mrr}

        return {
            "retriever": self.retriever,
            "k": self.k,
            "overall": scores(self.overall),
            "by_lang": {name: scores(group) for name, group in self.by_lang.items()},
            "by_kind": {name: scores(group) for name, group in self.by_kind.items()},
            "no_answer": {"count": self.no_answer_count, "detected": self.no_answer_detected,
                          "answerable_rejected": self.wrongly_rejected},
            "mean_passage_words": self.mean_passage_words,
            "confidence": self.confidence_table(),
            "questions": [
                {"id": o.question.question_id, "kind": o.question.kind, "first_hit": o.first_hit,
                 "answerable": o.said_answerable, "top_dense": o.top_dense, "confidence": o.confidence,
                 "signals": o.signals}
                for o in self.outcomes
            ],
        }


def normalise(text: str) -> str:
    """Return text lower-cased, quotes made plain and white space runs made one space."""
    return _SPACE.sub(" ", text.lower().translate(_QUOTES)).strip()


def is_hit(text: str, evidence: Sequence[str]) -> bool:
    """Return whether a passage of at most 200 words contains one of the evidence strings."""
    if len(text.split()) > MAX_HIT_WORDS:
        return False
    haystack = normalise(text)
    return any(normalise(item) and normalise(item) in haystack for item in evidence)


def load_questions(path: Path) -> list[Question]:
    """Read a JSON-lines questions file; raise EvalFileProblem naming the faulty line."""
    questions = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileProblem(f"cannot read {path}: {error}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            question = Question(
                question_id=str(data.get("id", f"line-{number}")),
                question=str(data["question"]),
                lang=str(data.get("lang", "")),
                kind=str(data.get("kind", "")),
                evidence=tuple(str(item) for item in data.get("evidence") or ()),
                docs=tuple(str(item) for item in data.get("docs") or ()),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
            raise EvalFileProblem(f"{path}, line {number}: not a question ({error})") from error
        if not question.question.strip():
            raise EvalFileProblem(f"{path}, line {number}: the question is empty")
        questions.append(question)
    if not questions:
        raise EvalFileProblem(f"{path} holds no question")
    return questions


def judge(question: Question, answer: Answer) -> Outcome:
    """Return the outcome of one answer: the rank of its first hit and what it claimed."""
    dense = [hit.scores["dense"] for hit in answer.hits if "dense" in hit.scores]
    outcome = judge_passages(question, [hit.passage.text for hit in answer.hits], answer.answerable,
                             answer.confidence)
    return replace(outcome, top_dense=max(dense) if dense else None, signals=dict(answer.signals))


def judge_passages(question: Question, texts: Sequence[str], said_answerable: bool, confidence: str = "") -> Outcome:
    """Return the outcome of an answer given as its passages' texts, best first (e.g. read from the JSON API)."""
    first_hit = None
    if question.answerable:
        first_hit = next((rank for rank, text in enumerate(texts, start=1) if is_hit(text, question.evidence)), None)
    return Outcome(question=question, first_hit=first_hit, said_answerable=said_answerable,
                   passage_words=tuple(len(text.split()) for text in texts), confidence=confidence)


def recall_at(ranks: Sequence[int | None], n: int) -> float:
    """Return the share of questions whose first hit (1-based rank, None: none) is in the top n."""
    return sum(1 for rank in ranks if rank is not None and rank <= n) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None], at: int = MRR_AT) -> float:
    """Return the mean of 1/rank of each question's first hit, counting 0 beyond rank `at` or none."""
    return sum(1 / rank for rank in ranks if rank is not None and rank <= at) / len(ranks) if ranks else 0.0


def _scores(outcomes: Sequence[Outcome], k: int) -> Scores:
    ranks = [o.first_hit for o in outcomes]
    recall = {n: recall_at(ranks, n) for n in RECALL_AT if n <= k}
    return Scores(count=len(outcomes), recall=recall, mrr=mean_reciprocal_rank(ranks))


def _split(outcomes: Sequence[Outcome], key: Callable[[Question], str], k: int) -> dict[str, Scores]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome.question), []).append(outcome)
    return {name: _scores(groups[name], k) for name in sorted(groups)}


def score(outcomes: Sequence[Outcome], retriever: str, k: int) -> Report:
    """Return the report of a set of outcomes, as shared/eval/README.md defines it."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    lengths = [words for o in outcomes for words in o.passage_words]
    return Report(
        retriever=retriever,
        k=k,
        overall=_scores(answerable, k),
        by_lang=_split(answerable, lambda q: q.lang, k),
        by_kind=_split(answerable, lambda q: q.kind, k),
        no_answer_count=len(unanswerable),
        no_answer_detected=(
            sum(1 for o in unanswerable if not o.said_answerable) / len(unanswerable) if unanswerable else None
        ),
        wrongly_rejected=(
            sum(1 for o in answerable if not o.said_answerable) / len(answerable) if answerable else None
        ),
        mean_passage_words=sum(lengths) / len(lengths) if lengths else 0.0,
        outcomes=tuple(outcomes),
    )


def evaluate(ask: Callable[..., Answer], questions: Sequence[Question], k: int = 10,
             retriever: str = "hybrid") -> Report:
    """Ask every question with `ask(question, k=k, retriever=retriever)` and score the answers."""
    outcomes = [judge(question, ask(question.question, k=k, retriever=retriever)) for question in questions]
    return score(outcomes, retriever, k)


def format_table(reports: Sequence[Report]) -> str:
    """Return the reports side by side, one column per retriever, as a Markdown table."""
    header = ["", *(report.retriever for report in reports)]
    rows: list[list[str]] = []

    def add(label: str, values: list[float | None], as_percent: bool = False) -> None:
        cells = ["—" if v is None else (f"{v:.0%}" if as_percent else f"{v:.3f}") for v in values]
        rows.append([label, *cells])

    first = reports[0]
    groups = [(f"all ({first.overall.count})", lambda r: r.overall)]
    groups += [(f"lang={name} ({g.count})", lambda r, n=name: r.by_lang[n]) for name, g in first.by_lang.items()]
    groups += [(f"{name} ({g.count})", lambda r, n=name: r.by_kind[n]) for name, g in first.by_kind.items()]
    for label, pick in groups:
        for n in first.overall.recall:
            add(f"{label} recall@{n}", [pick(r).recall[n] for r in reports])
        add(f"{label} MRR@{MRR_AT}", [pick(r).mrr for r in reports])
    add(f"no-answer detected ({first.no_answer_count})", [r.no_answer_detected for r in reports])
    add("answerable wrongly rejected", [r.wrongly_rejected for r in reports])
    rows.append(["mean passage words", *(f"{r.mean_passage_words:.1f}" for r in reports)])
    for group in ("answerable", NO_ANSWER):
        rows.append([f"{group}: high / medium / low",
                     *(" / ".join(str(r.confidence_table()[group][level]) for level in CONFIDENCE_LEVELS)
                       for r in reports)])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (width + 2) for width in widths) + "|"]
    for row in rows:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
