"""The getting-started page's snippets run in order, as a user would paste them."""

import re
import warnings
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "doc" / "getting_started.rst"


def test_getting_started_snippets_run():
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)",
                        PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            code = "\n".join(line[3:] for line in block.splitlines())
            exec(compile(code, str(PAGE), "exec"), namespace)
    assert namespace["search"].best_score_ > 0.9
