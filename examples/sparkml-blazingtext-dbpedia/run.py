"""One command: data → train → pipeline up → the notebook's two requests → batch transform → down.

    python examples/sparkml-blazingtext-dbpedia/run.py [--no-docker] [--port 8080]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import Request, batch_transform, serve_and_ask  # noqa: E402

CSV_TEXT = "Convair was an american aircraft manufacturing company which later expanded into rockets and spacecraft."
JSON_TEXT = "Berwick secondary college is situated in the outer melbourne metropolitan suburb of berwick ."
REQUESTS = [Request("CSV, Accept application/jsonlines", CSV_TEXT.encode(), "text/csv", "application/jsonlines"),
            Request("JSON with the env schema, no Accept", json.dumps({"data": [JSON_TEXT]}).encode(),
                    "application/json")]


def fasttext_oracle(model_bin: Path):
    """What fastText itself says for a text after Spark's Tokenizer (lowercase, split on spaces)."""
    import fasttext

    model = fasttext.load_model(str(model_bin))

    def predict(text: str) -> dict:
        tokens = " ".join(t for t in text.lower().split(" ") if t)
        (prob, label), = model.f.predict(tokens + "\n", 1, 0.0, "strict")
        return {"label": [label], "prob": [float(prob)]}

    return predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    work = HERE / "work"
    subprocess.run([sys.executable, str(HERE / "generate_data.py"), "--out", str(work / "data")], check=True)
    subprocess.run([sys.executable, str(HERE / "train.py"), "--data", str(work / "data"), "--work", str(work)],
                   check=True)
    docker = not args.no_docker
    answers = serve_and_ask(HERE / "pipeline.yaml", REQUESTS, docker=docker, port=args.port)
    oracle = fasttext_oracle(work / "blazingtext" / "model" / "model.bin")
    batch_lines = (work / "data" / "batch" / "batch_input_dbpedia.csv").read_text().splitlines()

    def compare(out: Path) -> str:
        got = [json.loads(line) for line in (out / "batch_input_dbpedia.csv.out").read_text().splitlines()]
        same = sum(g["label"] == oracle(t)["label"] and abs(g["prob"][0] - oracle(t)["prob"][0]) <= 1e-6
                   for g, t in zip(got, batch_lines))
        return f"{same}/{len(batch_lines)} records equal fastText's label and probability"

    rows = batch_transform(HERE / "pipeline.yaml", work / "data" / "batch", work / "batch-out", docker=docker,
                           check=compare)
    got = [json.loads(line) for line in (work / "batch-out" / "batch_input_dbpedia.csv.out").read_text().splitlines()]
    print(json.dumps({
        "answers": [json.loads(body.splitlines()[0]) for _, body, _ in answers],
        "statuses": [status for status, _, _ in answers],
        "content_types": [content_type for _, _, content_type in answers],
        "expected": [oracle(CSV_TEXT), oracle(JSON_TEXT)],
        "batch_rows": rows, "batch_records": len(got),
        "batch_matching": sum(g == oracle(t) or (g["label"] == oracle(t)["label"]
                                                 and abs(g["prob"][0] - oracle(t)["prob"][0]) <= 1e-6)
                              for g, t in zip(got, batch_lines)),
        "validation": json.loads((work / "validation.json").read_text()),
    }, indent=2))


if __name__ == "__main__":
    main()
