"""One orchestration of ensemble members: seeds, joblib fan-out, progress, running sums.

The subsample and sketched paths differ only in what a member is (a function of
``X``, ``y``, a draw and the penalties) and in the criteria kept per ensemble size;
how members are seeded, run (inline, on joblib workers or on a Dask cluster),
reported and summed is written here once.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
from collections import Counter

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import check_random_state

from ..utils import Progress, blas_threads

__all__ = ["draw_seeds", "gcv_criterion", "run_members", "RunningEnsemble"]

# moderate Gram matrices run faster on one BLAS thread (measured 50x on a loaded
# 2-core machine at k=1000, p=200)
_SINGLE_THREAD_MAX_DIM = 2048


def draw_seeds(random_state, shape):
    """Integer seeds of the members' streams, drawn from ``random_state`` only.

    Parameters
    ----------
    random_state : int, RandomState instance or None
    shape : int or tuple of int

    Returns
    -------
    seeds : ndarray of int
    """
    return check_random_state(random_state).randint(2**31 - 1, size=shape)


def _call(member, args, single_thread):
    ctx = blas_threads(1) if single_thread else contextlib.nullcontext()
    with ctx:
        return member(*args)


def _results(member, tasks, n_jobs, single_thread):
    calls = (delayed(_call)(member, args, single_thread) for _, args in tasks)
    if n_jobs == 1:
        return (call[0](*call[1], **call[2]) for call in calls)
    # n_jobs=None follows the active joblib backend, as in scikit-learn: inside
    # ``joblib.parallel_backend("dask")`` the members run on the cluster
    return Parallel(n_jobs=n_jobs, return_as="generator")(calls)


def run_members(member, tasks, *, new_state, finish, n_jobs=None, verbose=0,
                desc="members", max_dim=0):
    """Run ``member(*args)`` for every task and fold the results into per-group sums.

    Parameters
    ----------
    member : callable
        Returns what ``state.add`` takes. Runs with one BLAS thread when members
        run in parallel or are small.
    tasks : list of (group, args)
        Ordered by group; results are folded in this order, whatever ``n_jobs``.
    new_state : callable
        ``new_state(group)`` returns an object with ``add(result)`` and ``m``.
    finish : callable
        ``finish(group, state)`` is called once a group's last member is folded
        in, so that only the groups in flight are held in memory.
    n_jobs : int, default=None
        joblib workers; ``None`` follows the active joblib backend.
    verbose : int, default=0
    desc : str, default="members"
    max_dim : int, default=0
        The largest member Gram dimension, to choose BLAS threading.
    """
    n_eff = effective_n_jobs(n_jobs)
    single = n_eff != 1 or max_dim <= _SINGLE_THREAD_MAX_DIM
    counts = Counter(group for group, _ in tasks)
    states = {}
    with Progress(len(tasks), verbose=verbose, desc=desc) as progress:
        for (group, _), result in zip(tasks, _results(member, tasks, n_jobs, single)):
            if group not in states:
                states[group] = new_state(group)
            states[group].add(result)
            progress.update()
            if states[group].m == counts[group]:
                finish(group, states.pop(group))


def gcv_criterion(sum_sq, dof, n):
    """GCV ``(sum_sq / n) / (1 - dof / n)^2``, infinite where ``dof >= n``.

    Parameters
    ----------
    sum_sq : ndarray of shape (L, t)
        Residual sums of squares.
    dof : ndarray of shape (L,)
    n : float
        Rows (or total weight).

    Returns
    -------
    gcv : ndarray of shape (L, t)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        # n is 0 for a union of zero-weight rows: no finite criterion there
        frac = dof / n
        gcv = sum_sq / n / ((1 - frac) ** 2)[:, None]
    return np.where((frac < 1)[:, None], gcv, np.inf)


class RunningEnsemble:
    """Running sums of one grid row's members, and GCV for every ensemble size.

    A member result starts with ``(coef (p, L, t), dof (L,), resid (n, L, t))``;
    subclasses fold in the rest through :meth:`_add_extra`, reduce the squared
    mean residuals over rows through :meth:`_row_sums` and add criteria through
    :meth:`_criteria`. :meth:`add_reduced` takes those row sums ready-made (the
    Dask path computes them in a block pass over ``X``), so that the criteria are
    written once for both.

    Parameters
    ----------
    n, p, L, t, M : int
        Rows, features, penalties, targets and members.
    n_eff : float
        Rows, or the total weight, in the criteria.
    """

    criteria = ("gcv",)

    def __init__(self, n, p, L, t, M, n_eff):
        self.m, self.M, self.n_eff = 0, M, n_eff
        self.coef = np.zeros((p, L, t))
        self.resid = None  # (n, L, t), allocated by the first in-memory member
        self.shape = (n, L, t)
        self.dof = np.zeros(L)
        self.curves = {key: np.empty((M, L, t)) for key in self.criteria}

    def add(self, member):
        """Fold one member in and compute the criteria of the first ``m`` members."""
        coef, dof, resid = member[:3]
        if self.resid is None:
            self.resid = np.zeros(self.shape)
        self.resid += resid
        self._fold(coef, dof, member[3:])
        mean = self.resid / self.m
        self._record(self._row_sums(mean * mean))

    def add_reduced(self, coef, dof, extra, row_sums):
        """Fold one member in, with the row sums of the squared mean residuals
        of the first ``m`` members (``{"all": (L, t), ...}``) computed elsewhere."""
        self._fold(coef, dof, extra)
        self._record(row_sums)

    def _fold(self, coef, dof, extra):
        self.coef += coef
        self.dof += dof
        self.m += 1
        self._add_extra(extra)

    def _record(self, sums):
        for key, value in self._criteria(sums, self.dof / self.m).items():
            self.curves[key][self.m - 1] = value

    def _row_sums(self, sq):
        return {"all": sq.sum(axis=0)}

    def _add_extra(self, extra):
        pass

    def _criteria(self, sums, dbar):
        return {"gcv": gcv_criterion(sums["all"], dbar, self.n_eff)}

    def store(self, out, i):
        """Write the mean coefficients, dofs and criteria curves at row ``i``."""
        m = self.m
        out["coef"][i] = np.moveaxis(self.coef / m, 0, -1)
        out["dof"][i] = self.dof / m
        for key in self.criteria:
            values = self.curves[key][:m]
            if m < self.M:
                # one member stands for M identical ones (all rows, no bootstrap)
                values = np.repeat(values[-1:], self.M, axis=0)
            out[key][i] = np.moveaxis(values, 0, 1)
