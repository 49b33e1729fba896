"""Random sketches as one small API.

``make_sketch(kind, n_features, sketch_size, random_state)`` draws a random linear map
``S`` of shape ``(sketch_size, n_features)`` normalised so that ``E[S.T @ S] = I``, for
``kind`` in ``"gaussian"``, ``"orthogonal"`` (Haar), ``"countsketch"`` (Numba
scatter-add), ``"srdct"`` and ``"srht"`` (random signs, a fast orthonormal transform,
row subsampling). The returned :class:`Sketch` has

* ``apply_left(A)``  -> ``S @ A``   (``A`` has ``n_features`` rows; sketch observations)
* ``apply_right(A)`` -> ``A @ S.T`` (``A`` has ``n_features`` columns; sketch features)
* ``toarray()``      -> ``S`` dense.

Outputs keep the floating dtype of ``A`` (float32 in, float32 out); ``A`` is never
modified.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._sketch import SKETCH_KINDS, Sketch, make_sketch

__all__ = ["SKETCH_KINDS", "Sketch", "make_sketch"]
