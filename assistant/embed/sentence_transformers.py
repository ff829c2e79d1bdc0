"""Any sentence-transformers model, by name (from the local cache) or by folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from assistant.embed.base import Encoder, EncoderUnavailable


class SentenceTransformerEncoder(Encoder):
    """Vectors from a sentence-transformers model; needs the "sentence-transformers" extra."""

    def __init__(self, model: str) -> None:
        super().__init__()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise EncoderUnavailable(
                "this encoder needs the sentence-transformers extra: "
                "pip install torch==2.13.0 'bilingual-guidance-assistant[sentence-transformers]'"
            ) from error
        location = Path(model).expanduser()
        name_or_path = str(location.resolve()) if location.exists() else model
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as error:  # noqa: BLE001 - hub, file and config errors all mean "not here"
            offline = os.environ.get("HF_HUB_OFFLINE") == "1"
            hint = " (HF_HUB_OFFLINE=1: only models already on disk load)" if offline else ""
            raise EncoderUnavailable(
                f"cannot load the sentence-transformers model {model!r}{hint}: {error}"
            ) from error
        self.encoder_id = f"sentence-transformers:{model}"
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension  # sentence-transformers < 6
        )
        self.dimension = int(get_dimension())

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.asarray(
            self._model.encode(texts, batch_size=32, show_progress_bar=False), dtype=np.float32
        )
