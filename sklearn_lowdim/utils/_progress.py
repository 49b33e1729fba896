"""Progress reporting for long work, driven by an estimator's ``verbose`` parameter."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import time

__all__ = ["Progress"]


class Progress:
    """Report progress of ``total`` steps to ``stream`` when ``verbose`` is truthy.

    ``verbose=0`` prints nothing; ``verbose=1`` prints about ten lines in all;
    ``verbose>=2`` prints every step.

    Parameters
    ----------
    total : int
        Number of steps.
    verbose : int
        The estimator's ``verbose`` value.
    desc : str
        What is being done, printed at the start of each line.
    stream : file-like, default=None
        Where to print; ``None`` means ``sys.stderr``.

    Attributes
    ----------
    done : int
        Steps done so far.

    See Also
    --------
    sklearn_lowdim.utils.working_memory_budget : The other policy shared by
        every estimator.

    Examples
    --------
    >>> import io
    >>> from sklearn_lowdim.utils import Progress
    >>> out = io.StringIO()
    >>> with Progress(2, verbose=2, desc="grid", stream=out) as progress:
    ...     progress.update()
    ...     progress.update()
    >>> print(out.getvalue().splitlines()[-1])
    [grid] done 2/2 in ...s
    """

    def __init__(self, total, verbose=0, desc="", stream=None):
        self.total = int(total)
        self.verbose = int(verbose or 0)
        self.desc = desc
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._every = 1 if self.verbose >= 2 else max(self.total // 10, 1)
        self._start = None

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def update(self, n=1, message=""):
        """Advance by ``n`` steps, printing when due.

        Parameters
        ----------
        n : int, default=1
            Number of steps done.
        message : str, default=""
            Appended to the printed line, for example the current score.
        """
        self.done += n
        if self.verbose and (self.done % self._every == 0 or self.done == self.total):
            elapsed = time.perf_counter() - (self._start or time.perf_counter())
            extra = f" {message}" if message else ""
            print(
                f"[{self.desc}] {self.done}/{self.total} ({elapsed:.1f}s){extra}",
                file=self.stream,
                flush=True,
            )

    def __exit__(self, *exc):
        if self.verbose:
            elapsed = time.perf_counter() - self._start
            print(
                f"[{self.desc}] done {self.done}/{self.total} in {elapsed:.1f}s",
                file=self.stream,
                flush=True,
            )
        return False
