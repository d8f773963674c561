"""Train a linear classifier with SGD epoch by epoch and log loss/accuracy curves to workbench.

Example: python classifier_sweep.py --dataset digits --lr 0.01 0.1 --alpha 1e-4 --epochs 20
Several values for --lr / --alpha / --penalty make a small grid: one run per combination.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import workbench as wb

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer, "wine": load_wine}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="digits")
    parser.add_argument("--lr", type=float, nargs="+", default=[0.01], help="learning rate(s)")
    parser.add_argument("--alpha", type=float, nargs="+", default=[1e-4], help="L2/L1 strength(s)")
    parser.add_argument("--penalty", nargs="+", default=["l2"], choices=["l2", "l1", "elasticnet"])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project", default="classifier-sweep")
    parser.add_argument("--root", default=None, help="runs root (default: $WORKBENCH_RUNS)")
    parser.add_argument(
        "--fail-at-epoch",
        type=int,
        default=None,
        help="raise an error at this epoch (to see a failed run)",
    )
    parser.add_argument(
        "--hang",
        type=float,
        default=0.0,
        help="after training, stay 'running' for this many seconds",
    )
    parser.add_argument(
        "--epoch-delay",
        type=float,
        default=0.0,
        help="sleep this long after each epoch (to watch curves grow live)",
    )
    return parser.parse_args(argv)


def train_one(args: argparse.Namespace, lr: float, alpha: float, penalty: str) -> None:
    X, y = DATASETS[args.dataset](return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.25, random_state=args.seed, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    classes = np.unique(y)
    model = SGDClassifier(
        loss="log_loss",
        learning_rate="constant",
        eta0=lr,
        alpha=alpha,
        penalty=penalty,
        random_state=args.seed,
    )
    rng = np.random.default_rng(args.seed)

    name = f"{args.dataset}-{penalty}-lr{lr:g}-a{alpha:g}"
    with wb.start_run(project=args.project, name=name, root=args.root) as run:
        run.log_params(
            {
                "dataset": args.dataset,
                "model": "SGDClassifier",
                "lr": lr,
                "alpha": alpha,
                "penalty": penalty,
                "epochs": args.epochs,
                "seed": args.seed,
                "data": {
                    "train_rows": len(y_train),
                    "val_rows": len(y_val),
                    "features": X.shape[1],
                },
            }
        )
        run.set_tags({"stage": "sweep", "dataset": args.dataset})
        best_val = 0.0
        for epoch in range(args.epochs):
            if args.fail_at_epoch is not None and epoch == args.fail_at_epoch:
                raise RuntimeError(f"simulated failure at epoch {epoch} (--fail-at-epoch)")
            order = rng.permutation(len(y_train))
            model.partial_fit(X_train[order], y_train[order], classes=classes)
            train_proba = model.predict_proba(X_train)
            val_proba = model.predict_proba(X_val)
            val_acc = accuracy_score(y_val, classes[val_proba.argmax(axis=1)])
            best_val = max(best_val, val_acc)
            run.log_metrics(
                {
                    "loss": log_loss(y_train, train_proba, labels=classes),
                    "acc": accuracy_score(y_train, classes[train_proba.argmax(axis=1)]),
                    "val_loss": log_loss(y_val, val_proba, labels=classes),
                    "val_acc": val_acc,
                },
                step=epoch,
            )
            if args.epoch_delay:
                time.sleep(args.epoch_delay)
        run.log_metrics({"best_val_acc": best_val}, step=args.epochs - 1)
        run.set_notes(f"SGD on {args.dataset}: best validation accuracy {best_val:.3f}.\n")
        if args.hang:
            time.sleep(args.hang)
        print(f"{name}: best val_acc {best_val:.3f} -> {run.path}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    for lr, alpha, penalty in itertools.product(args.lr, args.alpha, args.penalty):
        train_one(args, lr, alpha, penalty)


if __name__ == "__main__":
    main()
