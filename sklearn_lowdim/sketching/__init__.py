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
modified. Under ``sklearn.config_context(array_api_dispatch=True)`` an array-API
``A`` (CuPy, PyTorch, ...) is sketched on its device and the result stays there;
the sketch's random numbers (``O(sketch_size * n_features)`` at most, never the
data) are drawn on the host with NumPy, so a seed gives the same sketch on every
backend (see :mod:`sklearn_lowdim.sketching._device`).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._sketch import SKETCH_KINDS, Sketch, make_sketch

__all__ = ["SKETCH_KINDS", "Sketch", "make_sketch"]
