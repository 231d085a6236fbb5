"""The MNIST page's records, as ``comparison.py`` holds the moons page's: a trained CNN with
everything shown about it, a training in progress, and the classification of a drawing.

Each record is built once, when its model is trained or loaded, so a rerun only draws. The
page keeps the records in its session state; nothing here is shared between sessions.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..core.history import History
from ..core.settings import config_key
from ..data.digits import mnist_style, photo_ink, strokes_to_ink
from ..data.images import IMAGE_DATASETS, ImageData, normalize
from ..engine.cnn import CNNFrame, CNNResult, CNNTraining
from ..figures.images import CNNFigures, FeatureMapPictures, cnn_result_figures, feature_map_pictures
from ..models.checkpoints import checkpoint_bytes, load_checkpoint, load_checkpoint_bytes
from ..models.cnn import CNNConfig, SeedCNN, evaluate, predict_log_proba
from ..teaching.saliency import gradient_x_input

CHUNK = 4            # batches per advance while a page watches: a Stop click waits at most this long
MAP_BLOCK = 32       # test images whose feature maps are computed together


@dataclass
class TestReport:
    """Everything the results panel shows, computed once per trained model."""
    proba: np.ndarray              # (N, 10) class probabilities on the test set
    pred: np.ndarray               # (N,)
    confusion: np.ndarray          # (10, 10), rows: true class
    per_class_accuracy: np.ndarray  # (10,)
    confident_wrong: np.ndarray    # indices of the most confidently wrong test images, worst first

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.confusion.sum())


def test_report(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, k_wrong: int = 8) -> TestReport:
    from sklearn.metrics import confusion_matrix
    proba = predict_log_proba(model, images).exp().numpy()
    y = labels.numpy()
    pred = proba.argmax(1)
    cm = confusion_matrix(y, pred, labels=list(range(10)))
    per_class = np.divide(np.diag(cm), cm.sum(1), out=np.zeros(10), where=cm.sum(1) > 0)
    wrong = np.where(pred != y)[0]
    worst = wrong[np.argsort(-proba[wrong, pred[wrong]])][:k_wrong]
    return TestReport(proba, pred, cm, per_class, worst)


@dataclass
class TrainedCNN:
    """A trained (or loaded) CNN with its test report, figures and checkpoint bytes."""
    result: CNNResult
    report: TestReport
    figures: CNNFigures
    checkpoint: bytes                # safetensors, for the download button
    dataset: str                     # the data set it was trained on (mnist or fashion-mnist)
    label: str                       # how the page names it: "mnist · fast · 2 epochs (stopped)"
    config: CNNConfig | None = None  # the settings it was trained with (None: a loaded model), for its code
    _maps: dict[tuple[str, int], FeatureMapPictures] = field(default_factory=dict, repr=False)
    _acts: dict[tuple[str, int], tuple] = field(default_factory=dict, repr=False)

    @property
    def model(self) -> SeedCNN:
        return self.result.model

    def feature_maps(self, data: ImageData, index: int) -> FeatureMapPictures:
        """conv1's and conv2's maps for test image ``index`` of ``data``, painted once per image.
        Activations are computed for a block of ``MAP_BLOCK`` neighbouring images at once (one
        forward pass costs about as much as one image's), so stepping through images only paints."""
        key = (data.name, index)
        if key not in self._maps:
            block = (data.name, index // MAP_BLOCK)
            if block not in self._acts:
                while len(self._acts) >= 4:                                  # bound the memory (~4 MB a block)
                    self._acts.pop(next(iter(self._acts)))
                self._acts[block] = block_feature_maps(self.model, data.test_images[block[1] * MAP_BLOCK:][:MAP_BLOCK])
            a1, a2 = (a[index % MAP_BLOCK] for a in self._acts[block])
            self._maps[key] = feature_map_pictures(data.test_images[index].numpy(),
                                                   data.classes[int(data.test_labels[index])], a1, a2)
        return self._maps[key]


@torch.inference_mode()
def block_feature_maps(model: SeedCNN, images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 28, 28) -> conv1's (N, 32, 26, 26) and conv2's (N, 64, 11, 11) activations."""
    was_training = model.training
    model.eval()
    a1, a2 = model.features(normalize(images).to(next(model.parameters()).device))
    model.train(was_training)
    return a1.float().cpu().numpy(), a2.float().cpu().numpy()


def study(result: CNNResult, data: ImageData, label: str, dataset: str | None = None,
          config: CNNConfig | None = None) -> TrainedCNN:
    """Everything the page shows about a model, computed once (on ``data``'s test set)."""
    report = test_report(result.model, data.test_images, data.test_labels)
    figures = cnn_result_figures(result.history, report, data.test_images.numpy(), data.test_labels.numpy(),
                                 data.classes, result.model.conv1.weight.detach().cpu().numpy())
    dataset = dataset or data.name
    checkpoint = checkpoint_bytes(result.model, {"dataset": dataset, "classes": list(data.classes),
                                                 "test_accuracy": report.accuracy})
    return TrainedCNN(result, report, figures, checkpoint, dataset, label, config)


# --- a training in progress -----------------------------------------------------------------------

@dataclass
class CNNRun:
    """A training in progress, and what is needed to keep its model when it is interrupted."""
    training: CNNTraining
    key: str                         # the trained model's key: the same config and data train once
    label: str

    @property
    def data(self) -> ImageData:
        return self.training.data

    def frames(self, chunk: int = CHUNK) -> Iterator[CNNFrame]:
        """Advance ``chunk`` batches at a time to the end, yielding a frame after each advance."""
        while not self.training.done:
            yield self.training.advance(batches=chunk)

    def finished(self) -> TrainedCNN:
        return study(self.training.result(), self.data, self.label, config=self.training.config)

    def stopped(self) -> TrainedCNN:
        """Cancel, and keep the model trained so far (a Stop click, or a rerun that interrupted it)."""
        self.training.cancel()
        result = self.training.result()
        return study(result, self.data,
                     self.label + (f" ({result.history.message})" if result.status == "stopped" else ""),
                     config=self.training.config)


def start_run(config: CNNConfig, data: ImageData) -> CNNRun:
    """A training of ``config`` on ``data``, not yet advanced (raises ValueError for a bad device)."""
    training = CNNTraining(config, data)
    label = f"{data.name} · {config.recipe} · {config.epochs} epoch{'s' if config.epochs > 1 else ''}"
    return CNNRun(training, config_key(config, data.source), label)


# --- models from checkpoints ----------------------------------------------------------------------

def upload_key(raw: bytes) -> str:
    """The key of an uploaded checkpoint: the same bytes are read once."""
    return "upload:" + hashlib.sha256(raw).hexdigest()[:16]


def loaded(model: SeedCNN, meta: dict, data: ImageData, label: str) -> TrainedCNN:
    """A checkpoint's model, measured on ``data``'s test set (it has no training history)."""
    loss, acc = evaluate(model, data.test_images, data.test_labels)
    history = History(message="loaded from a checkpoint")
    result = CNNResult(model.eval(), history, acc, loss, 0.0, 0.0, next(model.parameters()).device.type, 0)
    dataset = meta.get("dataset") if meta.get("dataset") in IMAGE_DATASETS else data.name
    return study(result, data, label, dataset)


def from_file(path: Path, data: ImageData) -> TrainedCNN:
    """A model prepared before class (``python -m nncore mnist --save``). Raises ValueError."""
    model, meta = load_checkpoint(path)
    return loaded(model, meta, data, f"prepared: {path.name}")


def from_upload(raw: bytes, name: str, data: ImageData) -> TrainedCNN:
    """An uploaded .safetensors checkpoint. Raises ValueError with a message a user can act on."""
    model, meta = load_checkpoint_bytes(raw)
    return loaded(model, meta, data, f"uploaded: {name}")


# --- a drawing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Classified:
    """What the network makes of a drawing, and why."""
    image: np.ndarray                # (28, 28) float32 in [0, 1]: what the network sees
    proba: np.ndarray                # (10,) class probabilities
    best: int                        # the most probable class
    saliency: np.ndarray             # (28, 28) gradient x input toward ``best``

    @property
    def confidence(self) -> float:
        return float(self.proba[self.best])


def classify_drawing(model: SeedCNN, ink: np.ndarray) -> Classified | None:
    """An ink image (any size, any of to_gray's layouts) -> MNIST style -> probabilities; None if blank."""
    x = mnist_style(ink)                                                  # (28, 28) in [0, 1]
    if x.max() == 0:
        return None
    x = (x * 255).round() / 255                                           # as MNIST stores it: 8 bits
    pixels = torch.from_numpy(x * 255).to(torch.uint8).unsqueeze(0)       # (1, 28, 28)
    proba = predict_log_proba(model, pixels).exp()[0].numpy()             # (10,)
    best = int(proba.argmax())
    return Classified(x.astype(np.float32), proba, best, gradient_x_input(model, x.astype(np.float32), best))


def classify_strokes(model: SeedCNN, objects: list[dict], size: tuple[int, int] = (280, 280)) -> Classified | None:
    """The canvas's stroke list, painted server-side (the same list the canvas redraws) on a
    ``size`` (width, height) canvas."""
    return classify_drawing(model, strokes_to_ink(objects, size))


def classify_photo(model: SeedCNN, rgb: np.ndarray) -> Classified | None:
    """An uploaded photo: the paper cleaned away first (``photo_ink``), then MNIST style."""
    return classify_drawing(model, photo_ink(rgb))
