"""Test helpers for the array-API (device) and Dask tests of every family.

Imported by the test suite only (it needs pytest).

Device namespaces
-----------------
``NAMESPACES`` parametrises a test over the backends the issue asks for:

- ``array_api_strict`` on its non-default device ``device1``: it refuses any
  conversion to the host (``np.asarray`` raises), so a hidden host copy of X fails
  the test;
- PyTorch on the CPU in float32 and float64 (CI installs the CPU wheel);
- CuPy in float32 and float64, marked ``gpu`` and skipped without a CUDA device.

``to_namespace(namespace, dtype, *arrays)`` returns ``(xp, arrays)`` with the float
arrays in ``dtype`` on the backend's device (integer arrays keep their dtype), and
``to_host(array)`` brings any result back to NumPy for the comparison. Run the
estimator inside ``sklearn.config_context(array_api_dispatch=True)``.

Dask
----
``unmaterialisable(monkeypatch)`` (the ``unmaterialisable`` fixture of
``tests/conftest.py``) returns ``make(X, rows)``: a dask array with row
chunks of ``rows`` whose full computation (``.compute()`` on it, ``np.asarray`` on any
dask array) fails the test. Slices and reductions of it may be computed.
"""

import numpy as np
import pytest

TOLERANCE = {"float32": 2e-4, "float64": 1e-8}


def _cupy_available():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, no driver, or no device
        return False


_GPU_MARKS = [pytest.mark.gpu, pytest.mark.skipif(
    not _cupy_available(), reason="needs CuPy and a CUDA device")]

NAMESPACES = [
    pytest.param("array_api_strict", "float64", id="strict-device1-float64"),
    pytest.param("torch", "float32", id="torch-float32"),
    pytest.param("torch", "float64", id="torch-float64"),
    pytest.param("cupy", "float32", id="cupy-float32", marks=_GPU_MARKS),
    pytest.param("cupy", "float64", id="cupy-float64", marks=_GPU_MARKS),
]


def to_namespace(namespace, dtype, *arrays):
    """``(xp, [arrays on the backend's device])``; floats cast to ``dtype``."""
    dtype = np.dtype(dtype)

    def cast(a):
        a = np.asarray(a)
        return a.astype(dtype) if a.dtype.kind == "f" else a

    if namespace == "array_api_strict":
        xp = pytest.importorskip("array_api_strict")
        dev = xp.Device("device1")
        return xp, [xp.asarray(cast(a), device=dev) for a in arrays]
    if namespace == "torch":
        torch = pytest.importorskip("torch")
        return torch, [torch.asarray(cast(a)) for a in arrays]
    if namespace == "cupy":
        cupy = pytest.importorskip("cupy")
        return cupy, [cupy.asarray(cast(a)) for a in arrays]
    raise ValueError(f"unknown namespace {namespace!r}")


def to_host(array):
    """Any backend's array (or a NumPy one) as a NumPy array."""
    if isinstance(array, np.ndarray) or np.isscalar(array):
        return np.asarray(array)
    module = type(array).__module__
    if module.startswith("array_api_strict"):
        import array_api_strict as xp

        return np.asarray(xp.asarray(array, device=xp.Device("CPU_DEVICE")))
    if module.startswith("torch"):
        return array.detach().cpu().numpy()
    if module.startswith("cupy"):
        return array.get()
    return np.asarray(array)


def namespace_of(array):
    """The top-level module name of an array's type ('numpy', 'torch', ...)."""
    return type(array).__module__.split(".")[0]


def unmaterialisable(monkeypatch):
    """``make(X, rows)``: dask arrays that fail the test if computed whole."""
    da = pytest.importorskip("dask.array")
    guarded = set()
    original_compute = da.Array.compute

    def compute(self, **kwargs):
        if self.name in guarded:
            raise AssertionError("the whole X was materialised")
        return original_compute(self, **kwargs)

    def to_numpy(self, *args, **kwargs):
        raise AssertionError("a dask array was converted to NumPy (np.asarray)")

    monkeypatch.setattr(da.Array, "compute", compute)
    monkeypatch.setattr(da.Array, "__array__", to_numpy)

    def make(X, rows):
        arr = da.from_array(np.asarray(X), chunks=(rows,) + np.shape(X)[1:])
        guarded.add(arr.name)
        return arr

    return make


def counted_reads(X, rows):
    """``(X_d, passes)``: a dask array of ``X`` in ``rows``-row blocks whose block
    reads are counted; ``passes()`` is the rows read so far over ``len(X)``."""
    da = pytest.importorskip("dask.array")
    reads = []

    def read(block):
        reads.append(block.shape[0])
        return block

    X_d = da.from_array(X, chunks=(rows, X.shape[1])).map_blocks(read, dtype=X.dtype)
    return X_d, lambda: sum(reads) / X.shape[0]
