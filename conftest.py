"""Test configuration shared by the test suite and the package doctests."""

import os

# scikit-learn's array API dispatch needs SciPy's array API support, which must be
# switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# Plots in tests and doctests never open a window.
os.environ.setdefault("MPLBACKEND", "Agg")
