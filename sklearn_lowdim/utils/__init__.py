"""Shared utilities: array namespaces, chunking, validation, progress, Numba."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._array_api import (
    accumulation_dtype,
    asarray_like,
    device,
    device_float,
    float_dtype,
    get_namespace,
    is_numpy_namespace,
    supported_float_dtypes,
    to_numpy,
)
from ._chunking import chunk_rows, gen_row_chunks, working_memory_budget
from ._dask import is_dask_array
from ._numba import blas_threads, njit, numba_threads
from ._progress import Progress
from ._validation import (
    check_2d,
    check_all_finite,
    check_min_samples_per_class,
    check_n_classes,
    check_rows_in_namespace,
    check_sample_weight_values,
)

__all__ = [
    "Progress",
    "accumulation_dtype",
    "asarray_like",
    "blas_threads",
    "check_2d",
    "check_rows_in_namespace",
    "device_float",
    "check_all_finite",
    "check_min_samples_per_class",
    "check_n_classes",
    "check_sample_weight_values",
    "chunk_rows",
    "device",
    "float_dtype",
    "gen_row_chunks",
    "is_dask_array",
    "get_namespace",
    "is_numpy_namespace",
    "njit",
    "numba_threads",
    "supported_float_dtypes",
    "to_numpy",
    "working_memory_budget",
]
