#!/usr/bin/env bash
# Build the sdist and the wheel from a clean checkout, install each into a fresh
# virtual environment and run a smoke test (imports, the shipped data, one tour family).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
git clone -q "$repo" "$work/src"
python3 -m venv "$work/build-env"
"$work/build-env/bin/pip" install -q build
"$work/build-env/bin/python" -m build -q --outdir "$work/dist" "$work/src"
ls -l "$work/dist"
for artefact in "$work"/dist/*.whl "$work"/dist/*.tar.gz; do
    env_dir="$work/env-$(basename "$artefact")"
    python3 -m venv "$env_dir"
    "$env_dir/bin/pip" install -q "$artefact"
    (cd "$work" && "$env_dir/bin/python" - <<'PY'
import sklearn_lowdim
from sklearn_lowdim.datasets import load_wordnet_embeddings
from sklearn_lowdim.utils.discovery import all_estimators
assert load_wordnet_embeddings().data.shape == (4000, 384)
print(sklearn_lowdim.__version__, len(all_estimators()), "estimators")
PY
    "$env_dir/bin/python" -m sklearn_lowdim tour --family ood | tail -6)
    echo "smoke test passed: $(basename "$artefact")"
done
rm -rf "$work"
