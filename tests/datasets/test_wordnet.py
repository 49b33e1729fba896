import numpy as np

from sklearn_lowdim.datasets import (
    WORDNET_IN_DISTRIBUTION,
    WORDNET_OUT_OF_DISTRIBUTION,
    load_wordnet_embeddings,
)


def test_wordnet_embeddings_shape_and_labels():
    wn = load_wordnet_embeddings()
    assert wn.data.shape == (4000, 384) and wn.data.dtype == np.float32
    assert len(wn.target_names) == 10
    assert np.bincount(wn.target).tolist() == [400] * 10
    assert set(WORDNET_IN_DISTRIBUTION) | set(WORDNET_OUT_OF_DISTRIBUTION) == set(
        wn.target_names
    )
    # Unit-norm embeddings, up to float16 storage.
    np.testing.assert_allclose(np.linalg.norm(wn.data, axis=1), 1.0, atol=2e-3)
    assert "Princeton" in wn.DESCR and "Apache" in wn.DESCR
    assert len(wn.text) == 4000 and isinstance(wn.text[0], str)


def test_wordnet_matches_shared_source_labels():
    # The label of each row is the category of its gloss: animals talk of animals.
    wn = load_wordnet_embeddings()
    animal = list(wn.target_names).index("noun.animal")
    texts = [t for t, c in zip(wn.text, wn.target) if c == animal]
    assert sum("animal" in t or "bird" in t or "fish" in t for t in texts) > 50


def test_return_X_y_and_frame():
    X, y = load_wordnet_embeddings(return_X_y=True)
    assert X.shape[0] == y.shape[0]
    frame = load_wordnet_embeddings(as_frame=True)
    assert frame.data.shape == (4000, 384)


def test_dead_dimensions_are_described():
    # the description names exactly the columns that VarianceThreshold(1e-8) drops
    from sklearn.feature_selection import VarianceThreshold

    wordnet = load_wordnet_embeddings()
    dropped = np.flatnonzero(
        ~VarianceThreshold(threshold=1e-8).fit(wordnet.data).get_support())
    assert dropped.tolist() == [127, 223, 319]
    for column in dropped:
        assert str(column) in wordnet.DESCR
    assert "VarianceThreshold" in wordnet.DESCR
    # nothing else is close to dead: the next smallest variance is far above 1e-8
    assert np.sort(wordnet.data.var(axis=0))[3] > 1e-4
