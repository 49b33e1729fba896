"""The tour: one short demonstration per family, collected into one table.

Each family registers itself by providing a module ``<subpackage>/_tour.py`` with a
function ``run(plots_dir=None)`` that returns a list of result rows (dicts with the
keys of :data:`COLUMNS`) and, given a folder, writes its one figure
``<family>.png`` there. Adding a family means adding one line to :data:`FAMILIES`
and one to :data:`FAMILY_HELP`. The families time and draw through
``sklearn_lowdim.utils._tour_helpers``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import time
from importlib import import_module

#: family name -> module holding its ``run(plots_dir=None)``
FAMILIES = {
    "gda": "sklearn_lowdim.discriminant_analysis._tour",
    "ood": "sklearn_lowdim.ood._tour",
    "ridge": "sklearn_lowdim.linear_model._tour",
    "sampling": "sklearn_lowdim.sampling._tour",
    "kde": "sklearn_lowdim.density._tour",
}

#: family name -> what its step shows (for ``tour --help``)
FAMILY_HELP = {
    "gda": "Gaussian discriminant analysis vs LDA, QDA and GaussianNB "
           "(digits, wine)",
    "ood": "Mahalanobis, relative Mahalanobis and WDiscOOD detectors "
           "(WordNet embeddings)",
    "ridge": "GCV-tuned subsample ridge ensembles vs RidgeCV "
             "(diabetes, generated)",
    "sampling": "Lewis-weight coresets for l_p regression vs full fits "
                "(WordNet, generated)",
    "kde": "sketched KDE mode search vs brute-force mean shift "
           "(mixture, WordNet)",
}

#: printed under the table: how the times were taken
TIMING_NOTE = (
    "time s: median of warm calls, after one call that compiles the Numba kernels "
    "and fills caches;\nfirst call s: that first call, compilation included; "
    "speed-up: baseline s / time s."
)

COLUMNS = (
    ("family", "family"),
    ("estimator", "estimator"),
    ("dataset", "data set"),
    ("metric", "metric"),
    ("value", "value"),
    ("time_s", "time s"),
    ("first_s", "first call s"),
    ("baseline", "baseline"),
    ("baseline_value", "baseline value"),
    ("baseline_time_s", "baseline s"),
    ("ratio", "speed-up"),
)


def load_family(name):
    """Import a family's tour module, or return ``None`` when it has not landed."""
    try:
        return import_module(FAMILIES[name])
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(FAMILIES[name].rsplit(".", 1)[0]):
            return None
        raise


def run_tour(families=None, plots_dir=None, stream=None):
    """Run the tour and return ``(rows, missing)``.

    Parameters
    ----------
    families : list of str, default=None
        Names of :data:`FAMILIES` to run; ``None`` runs them all.
    plots_dir : str or None, default=None
        Folder for the figures (one ``<family>.png`` each).
    stream : file-like, default=None
        Where progress is printed; ``None`` is ``sys.stdout``.

    Returns
    -------
    rows : list of dict
        Result rows of every family that ran.
    missing : list of str
        Families whose subpackage is not installed.
    """
    import sys

    stream = stream or sys.stdout
    rows, missing = [], []
    for name in families or FAMILIES:
        module = load_family(name)
        if module is None:
            missing.append(name)
            continue
        start = time.perf_counter()
        family_rows = module.run(plots_dir=plots_dir)
        for row in family_rows:
            row.setdefault("family", name)
            if row.get("baseline_time_s") and row.get("time_s"):
                row.setdefault("ratio", row["baseline_time_s"] / row["time_s"])
        rows.extend(family_rows)
        print(
            f"  {name}: {len(family_rows)} row(s) "
            f"in {time.perf_counter() - start:.1f}s",
            file=stream,
            flush=True,
        )
    return rows, missing


def format_table(rows):
    """Format result rows as a fixed-width text table.

    Parameters
    ----------
    rows : list of dict
        Rows with keys among those of :data:`COLUMNS`.

    Returns
    -------
    table : str
        The table, one line per row under a header.
    """

    def cell(value):
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.0f}"
        return str(value)

    header = [title for _, title in COLUMNS]
    body = [[cell(row.get(key)) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in body]
    return "\n".join(lines)
