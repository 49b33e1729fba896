"""KDE mode finding: kernels, bandwidths and the sketched mode search.

``KDEMode`` finds the highest mode of a kernel density estimate in hundreds to
thousands of dimensions through a random projection (Lee, Li, Musco, Phillips and Tai
2021; Luo, Musco and Widdershoven 2023).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._bandwidth import clt_bandwidth_factor
from ._kde_mode import KDEMode

__all__ = ["KDEMode", "clt_bandwidth_factor"]
