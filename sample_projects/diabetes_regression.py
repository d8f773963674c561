"""Fit Ridge or Lasso on scikit-learn's diabetes data over a path of alphas; log CV scores.

Example: python diabetes_regression.py --model lasso --alphas 0.001 0.01 0.1 1 --folds 5
Each alpha is one step of the run, so the metric curves show the regularisation path.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import KFold, train_test_split

import workbench as wb

MODELS = {"ridge": Ridge, "lasso": Lasso}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="ridge")
    parser.add_argument(
        "--alphas", type=float, nargs="+", default=[0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project", default="diabetes")
    parser.add_argument("--name", default=None)
    parser.add_argument("--root", default=None, help="runs root (default: $WORKBENCH_RUNS)")
    return parser.parse_args(argv)


def cv_scores(
    model_cls: type, alpha: float, X: np.ndarray, y: np.ndarray, folds: int, seed: int
) -> tuple[float, float, float]:
    """Return mean (rmse, mae, r2) over the validation folds."""
    rmse, mae, r2 = [], [], []
    for train, val in KFold(folds, shuffle=True, random_state=seed).split(X):
        model = model_cls(alpha=alpha).fit(X[train], y[train])
        pred = model.predict(X[val])
        rmse.append(mean_squared_error(y[val], pred) ** 0.5)
        mae.append(mean_absolute_error(y[val], pred))
        r2.append(r2_score(y[val], pred))
    return float(np.mean(rmse)), float(np.mean(mae)), float(np.mean(r2))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=args.seed)
    model_cls = MODELS[args.model]
    alphas = sorted(args.alphas)
    name = args.name or f"{args.model}-{len(alphas)}alphas-f{args.folds}"
    with wb.start_run(project=args.project, name=name, root=args.root) as run:
        run.log_params(
            {
                "model": args.model,
                "alphas": alphas,
                "folds": args.folds,
                "seed": args.seed,
                "train_rows": len(y_train),
            }
        )
        run.set_tags({"task": "regression", "family": "linear"})
        best = (float("inf"), alphas[0])
        for step, alpha in enumerate(alphas):
            rmse, mae, r2 = cv_scores(model_cls, alpha, X_train, y_train, args.folds, args.seed)
            run.log_metrics(
                {"alpha": alpha, "cv_rmse": rmse, "cv_mae": mae, "cv_r2": r2}, step=step
            )
            best = min(best, (rmse, alpha))
        final = model_cls(alpha=best[1]).fit(X_train, y_train)
        pred = final.predict(X_test)
        run.log_params({"best_alpha": best[1]})
        run.log_metrics(
            {
                "test_rmse": mean_squared_error(y_test, pred) ** 0.5,
                "test_r2": r2_score(y_test, pred),
                "nonzero_coefs": int(np.count_nonzero(final.coef_)),
            },
            step=len(alphas) - 1,
        )
        print(f"{name}: best alpha {best[1]:g}, cv rmse {best[0]:.2f} -> {run.path}")


if __name__ == "__main__":
    main()
