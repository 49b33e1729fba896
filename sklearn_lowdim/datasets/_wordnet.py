"""Offline loader for the WordNet gloss embeddings that ship with the package."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_wordnet_embeddings", "WORDNET_IN_DISTRIBUTION",
           "WORDNET_OUT_OF_DISTRIBUTION"]

#: The six concrete-noun categories used as in-distribution classes in the examples.
WORDNET_IN_DISTRIBUTION = (
    "noun.animal",
    "noun.plant",
    "noun.food",
    "noun.body",
    "noun.substance",
    "noun.artifact",
)
#: The four abstract or verb categories used as out-of-distribution data.
WORDNET_OUT_OF_DISTRIBUTION = (
    "noun.cognition",
    "noun.feeling",
    "verb.contact",
    "noun.time",
)


def load_wordnet_embeddings(*, return_X_y=False, as_frame=False):
    """Load real sentence embeddings of WordNet glosses, labelled by category.

    4000 rows of 384-dimensional all-MiniLM-L6-v2 embeddings of WordNet 3.0 glosses,
    400 from each of 10 lexicographer categories. The data ship with the package
    (nothing is downloaded). Read more in ``DESCR``.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame (columns ``emb_0`` ... ``emb_383``)
        and ``target`` as a Series (needs pandas).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``data`` (float32, (4000, 384)), ``target`` (int, (4000,)),
        ``target_names`` (the 10 category names; ``target`` indexes them),
        ``text`` (the glosses), ``synset`` (WordNet ``pos:offset`` ids),
        ``feature_names`` and ``DESCR`` (description and licenses).
    (data, target) : tuple if ``return_X_y`` is True
        The embeddings and the labels only.

    See Also
    --------
    make_gaussian_mixture : Generated data with known components.

    Examples
    --------
    >>> from sklearn_lowdim.datasets import load_wordnet_embeddings
    >>> wn = load_wordnet_embeddings()
    >>> wn.data.shape, wn.data.dtype
    ((4000, 384), dtype('float32'))
    >>> wn.target_names[wn.target[0]]
    'noun.animal'
    """
    path = resources.files("sklearn_lowdim.datasets") / "data" / "wordnet_minilm.npz"
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as npz:
        X = npz["X"].astype(np.float32)
        labels = npz["y"].astype(str)
        synset = npz["offset"].astype(object)
        text = npz["gloss"].astype(object)
    # Keep the file's category order (it is the order the data were drawn in).
    _, first = np.unique(labels, return_index=True)
    target_names = labels[np.sort(first)]
    order = np.argsort(target_names)
    target = order[np.searchsorted(target_names[order], labels)]
    feature_names = np.array([f"emb_{i}" for i in range(X.shape[1])], dtype=object)
    descr = (
        resources.files("sklearn_lowdim.datasets") / "descr" / "wordnet_embeddings.rst"
    ).read_text(encoding="utf-8")
    if as_frame:
        import pandas as pd

        X = pd.DataFrame(X, columns=feature_names)
        target = pd.Series(target, name="category")
    if return_X_y:
        return X, target
    return Bunch(
        data=X,
        target=target,
        target_names=target_names.astype(object),
        text=text,
        synset=synset,
        feature_names=feature_names,
        DESCR=descr,
    )
