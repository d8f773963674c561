"""The multivariate check: a domain classifier that tries to tell reference rows from current rows.

HistGradientBoosting on a sample of each side, cross-validated AUROC (0.5: indistinguishable),
and the columns whose shuffling costs the most AUROC on held-out rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from workbench.drift.columns import as_float, as_text, kind_of
from workbench.drift.report import DomainClassifier, Thresholds

#: Rows per side the classifier trains on.
CLASSIFIER_ROWS = 10_000
TOP_FEATURES = 5
_MAX_LEVELS = 250


def domain_classifier(reference: pa.Table, current: pa.Table, columns: list[str],
                      t: Thresholds, rows: int = CLASSIFIER_ROWS, seed: int = 0) -> DomainClassifier | None:
    """Cross-validated AUROC of reference-vs-current, and the most telling columns."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    columns = [c for c in columns if c in reference.column_names and c in current.column_names]
    n = min(rows, reference.num_rows, current.num_rows)
    if not columns or n < 50:
        return None
    rng = np.random.default_rng(seed)
    ref = reference.take(pa.array(np.sort(rng.choice(reference.num_rows, n, replace=False))))
    cur = current.take(pa.array(np.sort(rng.choice(current.num_rows, n, replace=False))))
    x, categorical = _features(ref, cur, columns)
    y = np.concatenate([np.zeros(n), np.ones(n)])
    from threadpoolctl import threadpool_limits

    aucs, importances = [], np.zeros(len(columns))
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    # One OpenMP thread: on a busy machine spinning worker threads cost far more than they give.
    with threadpool_limits(limits=1):
        for fold, (train, test) in enumerate(folds.split(x, y)):
            model = HistGradientBoostingClassifier(max_iter=60, categorical_features=categorical,
                                                   early_stopping=False, random_state=seed)
            model.fit(x[train], y[train])
            aucs.append(roc_auc_score(y[test], model.predict_proba(x[test])[:, 1]))
            if fold == 0:
                imp = permutation_importance(model, x[test], y[test], scoring="roc_auc",
                                             n_repeats=2, random_state=seed)
                importances = imp.importances_mean
    auc = float(np.mean(aucs))
    order = np.argsort(-importances)[:TOP_FEATURES]
    top = [(columns[i], float(importances[i])) for i in order if importances[i] > 0.001]
    return DomainClassifier(auc, float(np.std(aucs)), n, top, auc >= t.classifier_auc)


def _features(ref: pa.Table, cur: pa.Table, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A float matrix over both sides; text columns become codes of their commonest levels."""
    cols, categorical = [], []
    for name in columns:
        both = pa.chunked_array(ref.column(name).chunks + cur.column(name).chunks)
        if kind_of(both.type) == "numeric":
            cols.append(as_float(both))
            categorical.append(False)
            continue
        import pyarrow.compute as pc

        text = as_text(both)
        counts = pc.value_counts(text)
        order = np.argsort(-counts.field("counts").to_numpy())[:_MAX_LEVELS]
        keep = counts.field("values").take(pa.array(order))
        codes = pc.index_in(text, value_set=keep).to_numpy(zero_copy_only=False).astype(np.float64)
        cols.append(codes)  # NaN for missing and for rare levels
        categorical.append(True)
    return np.column_stack(cols), np.array(categorical)
