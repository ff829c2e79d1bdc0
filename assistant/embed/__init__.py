"""Text → vectors, behind one small interface with one module per backend."""

from assistant.embed.base import Encoder, EncoderUnavailable
from assistant.embed.factory import load_encoder

__all__ = ["Encoder", "EncoderUnavailable", "load_encoder"]
