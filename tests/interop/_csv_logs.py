"""Test helper: CSV loggers' output written by hand, byte for byte as the loggers write it."""

from __future__ import annotations

from pathlib import Path

HPARAMS = """\
lr: 0.001
batch_size: 32
model:
  name: '[red]x[/]'
  layers: [64, 32]
  dropout: null
  head:
    units: 10
optimizer: adam
use_amp: false
"""


def lightning_folder(save_dir: Path, name: str = "lightning_logs", version: int = 0,
                     hparams: str = HPARAMS, rows: list[str] | None = None) -> Path:
    """`<save_dir>/<name>/version_N/` with hparams.yaml and metrics.csv as Lightning's
    CSVLogger writes them: one header of every key, sparse rows (train and val logged apart)."""
    folder = save_dir / name / f"version_{version}"
    folder.mkdir(parents=True)
    (folder / "hparams.yaml").write_text(hparams)
    body = rows if rows is not None else [
        "0,49,0.9,,", "0,49,,0.8,0.5", "1,99,0.7,,", "1,99,,0.6,0.75",
    ]
    (folder / "metrics.csv").write_text("epoch,step,train_loss,val_loss,val_acc\n"
                                        + "".join(r + "\n" for r in body))
    return folder


def keras_file(folder: Path, name: str = "training.log", epochs: int = 3) -> Path:
    """A Keras CSVLogger file: `epoch` first, then the metrics sorted by name."""
    path = folder / name
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(epochs):
        lines.append(f"{e},{0.5 + e / 10},{1 - e / 10},{0.45 + e / 10},{1.1 - e / 10}")
    path.write_text("\r\n".join(lines) + "\r\n")  # Keras' csv writer ends lines with \r\n
    return path
