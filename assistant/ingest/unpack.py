"""Bound what a packed file unpacks to: a DOCX's zip parts, a PDF's compressed streams.

A zip's declared sizes can lie, so each part is also counted while it is unpacked, in
blocks, and the reading stops at the limit: a 1 MB file that would unpack to 1 GiB costs
at most the limit in time and a block in memory.
"""

from __future__ import annotations

import io
import zipfile

from assistant.ingest.files import UnreadableFile
from assistant.ingest.limits import FileLimits, megabytes

_BLOCK = 1 << 20


def _over(limits: FileLimits) -> UnreadableFile:
    return UnreadableFile(
        f"the DOCX unpacks to more than the {megabytes(limits.unpacked_bytes)} limit "
        "(set ASSISTANT_MAX_UNPACKED_MB to raise it)"
    )


def check_docx(raw: bytes, limits: FileLimits) -> None:
    """Refuse a DOCX whose parts, declared or actually unpacked, hold more than the limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > limits.unpacked_bytes:
                raise _over(limits)
            unpacked = 0
            for member in members:
                with archive.open(member) as part:
                    while block := part.read(_BLOCK):
                        unpacked += len(block)
                        if unpacked > limits.unpacked_bytes:
                            raise _over(limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, ValueError) as error:
        raise UnreadableFile(f"not a readable DOCX ({error})") from error


def pdf_configuration(limits: FileLimits) -> dict[str, int]:
    """Return pypdf's settings that cap what one stream may unpack to, set to the limit."""
    size = limits.unpacked_bytes
    return {
        "maximum_declared_stream_length": size,
        "array_based_stream_maximum_output_length": size,
        "jbig2_maximum_output_length": size,
        "lzw_maximum_output_length": size,
        "run_length_maximum_output_length": size,
        "zlib_maximum_output_length": size,
        "brotli_maximum_output_length": size,
        "image_maximum_buffer_size": size,
        "stream_decoding_work_maximum_length": 4 * size,
    }
