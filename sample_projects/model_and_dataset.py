"""Train a classifier on breast-cancer data and log its datasets, pickled model and predictions.

Example: python model_and_dataset.py --model forest --n-estimators 50 --drift 0.5
Writes train/test/current CSV files to --data-dir (default: <runs root>/datasets), logs them
with run.log_dataset, pickles the model and logs it with run.log_model (never unpickled by the
workbench: what it shows comes from the metadata logged here).
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import workbench as wb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["logreg", "forest"], default="logreg")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation (logreg)")
    parser.add_argument("--n-estimators", type=int, default=50, help="trees (forest)")
    parser.add_argument("--max-depth", type=int, default=None, help="tree depth (forest)")
    parser.add_argument(
        "--drift",
        type=float,
        default=0.0,
        help="shift the 'current' data by this many standard deviations",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project", default="breast-cancer")
    parser.add_argument("--name", default=None)
    parser.add_argument("--root", default=None, help="runs root (default: $WORKBENCH_RUNS)")
    parser.add_argument(
        "--data-dir", default=None, help="where the CSV files go (default: <runs root>/datasets)"
    )
    return parser.parse_args(argv)


def write_csv(path: Path, header: list[str], rows: np.ndarray) -> Path:
    """Write a CSV atomically (parallel runs may write the same file; content is deterministic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[f"{v:.6g}" for v in row[:-1]] + [int(row[-1])] for row in rows])
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    root = Path(args.root or os.environ.get("WORKBENCH_RUNS") or "workbench-runs")
    data_dir = Path(args.data_dir) if args.data_dir else root / "datasets"
    bunch = load_breast_cancer()
    features = [name.replace(" ", "_") for name in bunch.feature_names]
    X, y = bunch.data, bunch.target
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=args.seed, stratify=y
    )
    rng = np.random.default_rng(args.seed)
    X_current = X_test + args.drift * X_train.std(axis=0) * (
        1 + 0.2 * rng.standard_normal(X_test.shape)
    )
    header = [*features, "target"]
    train_csv = write_csv(
        data_dir / "breast_cancer_train.csv", header, np.column_stack([X_train, y_train])
    )
    test_csv = write_csv(
        data_dir / "breast_cancer_test.csv", header, np.column_stack([X_test, y_test])
    )
    current_csv = write_csv(
        data_dir / f"breast_cancer_current_drift{args.drift:g}.csv",
        header,
        np.column_stack([X_current, y_test]),
    )

    if args.model == "logreg":
        model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=2000))
        params = {"model": "logreg", "C": args.C}
    else:
        model = RandomForestClassifier(
            n_estimators=args.n_estimators,
            max_depth=args.max_depth,
            random_state=args.seed,
            n_jobs=1,
        )
        params = {"model": "forest", "n_estimators": args.n_estimators, "max_depth": args.max_depth}
    name = args.name or "-".join(f"{v}" for v in params.values() if v is not None)

    with wb.start_run(project=args.project, name=name, root=args.root) as run:
        run.log_params({**params, "seed": args.seed, "drift": args.drift})
        run.set_tags({"task": "classification", "has_model": "yes"})
        run.log_dataset(train_csv, name="breast_cancer_train", role="train")
        run.log_dataset(test_csv, name="breast_cancer_test", role="test")
        run.log_dataset(
            current_csv,
            name="breast_cancer_current",
            role="predict",
            metadata={"drift_sd": args.drift},
        )
        model.fit(X_train, y_train)
        results = {}
        for split, (X_s, y_s) in {
            "train": (X_train, y_train),
            "test": (X_test, y_test),
            "current": (X_current, y_test),
        }.items():
            proba = model.predict_proba(X_s)[:, 1]
            pred = (proba >= 0.5).astype(int)
            results[split] = (proba, pred)
            run.log_metrics(
                {
                    f"{split}_acc": accuracy_score(y_s, pred),
                    f"{split}_f1": f1_score(y_s, pred),
                    f"{split}_auc": roc_auc_score(y_s, proba),
                },
                step=0,
            )

        with tempfile.TemporaryDirectory() as tmp:
            model_path = Path(tmp) / "model.pkl"
            model_path.write_bytes(pickle.dumps(model))
            test_acc = accuracy_score(y_test, results["test"][1])
            run.log_model(
                model_path,
                name=f"breast-cancer-{args.model}",
                flavor="sklearn",
                metadata={
                    "class": f"{type(model).__module__}.{type(model).__name__}",
                    "sklearn_version": sklearn.__version__,
                    "features": features,
                    "target": "target",
                    "classes": [0, 1],
                    "test_acc": test_acc,
                },
            )
            predictions = Path(tmp) / "predictions.csv"
            proba, pred = results["test"]
            with open(predictions, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(["row", "target", "prediction", "probability"])
                writer.writerows(
                    zip(
                        range(len(pred)),
                        y_test.tolist(),
                        pred.tolist(),
                        [f"{p:.6f}" for p in proba],
                        strict=True,
                    )
                )
            run.log_artifact(predictions)
        matrix = confusion_matrix(y_test, results["test"][1])
        run.log_text(
            "confusion_matrix.txt",
            "            pred 0  pred 1\n"
            f"actual 0  {matrix[0, 0]:7d} {matrix[0, 1]:7d}\n"
            f"actual 1  {matrix[1, 0]:7d} {matrix[1, 1]:7d}\n",
        )
        print(f"{name}: test acc {test_acc:.3f} -> {run.path}")


if __name__ == "__main__":
    main()
