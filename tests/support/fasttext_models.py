"""A small supervised fastText model trained on generated labelled text (as BlazingText writes it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

VOCAB = {1: ["aircraft", "rocket", "engine", "wing"], 2: ["river", "valley", "lake", "mountain"],
         3: ["album", "guitar", "band", "song"]}


def sentences(n: int, seed: int = 0) -> list[tuple[int, str]]:
    rng = np.random.default_rng(seed)
    common = ["the", "was", "a", "of", "in", "and"]
    out = []
    for _ in range(n):
        label = int(rng.integers(1, 4))
        words = list(rng.choice(VOCAB[label], 3)) + list(rng.choice(common, 4))
        rng.shuffle(words)
        out.append((label, " ".join(words)))
    return out


def train(model_dir: Path, seed: int = 0) -> Path:
    import fasttext

    model_dir.mkdir(parents=True, exist_ok=True)
    data = model_dir.parent / "train.txt"
    data.write_text("".join(f"__label__{label} {text}\n" for label, text in sentences(600, seed)))
    model = fasttext.train_supervised(str(data), epoch=10, lr=0.5, wordNgrams=2, dim=10, minCount=1,
                                      verbose=0, seed=seed, thread=1)
    model.save_model(str(model_dir / "model.bin"))
    return model_dir


def oracle(model_dir: Path):
    """fastText's own predictions: (labels, probs) for one text and k."""
    import fasttext

    model = fasttext.load_model(str(model_dir / "model.bin"))

    def predict(text: str, k: int) -> tuple[list[str], list[float]]:
        pairs = model.f.predict(text + "\n", k, 0.0, "strict")
        return [label for _, label in pairs], [float(prob) for prob, _ in pairs]

    return predict
