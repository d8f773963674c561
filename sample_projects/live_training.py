"""A slow training run that keeps logging for minutes: `workbench demo` starts it so the app
shows a run updating live. Ctrl-C (or the demo quitting) marks it killed.

    python live_training.py [--epochs 1200] [--pause 0.5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

import workbench as wb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1200)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between epochs")
    parser.add_argument("--lr", type=float, default=0.001)
    args = parser.parse_args()

    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.25, random_state=0)
    classes = np.unique(y)
    model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=args.lr, random_state=0)

    with wb.start_run(project="digits-live", name=f"live-sgd-lr{args.lr}") as run:
        run.log_params({"model": "SGDClassifier", "lr": args.lr, "epochs": args.epochs})
        run.set_tags({"stage": "live", "dataset": "digits"})
        for epoch in range(args.epochs):
            model.partial_fit(x_train, y_train, classes=classes)
            run.log_metrics(
                {
                    "train_acc": float(model.score(x_train, y_train)),
                    "val_acc": float(model.score(x_val, y_val)),
                },
                step=epoch,
            )
            time.sleep(args.pause)


if __name__ == "__main__":
    main()
