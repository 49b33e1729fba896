"""``python -m sklearn_lowdim``: see :mod:`sklearn_lowdim._cli`."""

import sys

from sklearn_lowdim._cli import main

if __name__ == "__main__":
    sys.exit(main())
