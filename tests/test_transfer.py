"""Transfer learning: ``nncore transfer --json`` in small, the engine's pairing, stop and budget, and the
verdict's honesty about the spread."""
import contextlib
import io
import json

import pytest
import torch

from nncore.cli import main
from nncore.data.images import load_images, write_idx
from nncore.engine.transfer import TransferConfig, TransferTraining, over_budget
from nncore.engine.transfer_config import TransferRow
from tests.conftest import synthetic_digits

SMALL = dict(labels="20,100", seeds=2, steps=20, source_epochs=1, source_images=256, test_images=80)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("transfer")
    for i, folder in enumerate(["MNIST", "FashionMNIST"]):
        write_idx(root / folder / "raw", *synthetic_digits(300, seed=30 + i), "train")
        write_idx(root / folder / "raw", *synthetic_digits(100, seed=40 + i), "t10k")
    return root


@pytest.fixture(scope="module")
def sets(root):
    return load_images("mnist", root, download=False), load_images("fashion-mnist", root, download=False)


def test_the_command_prints_per_label_count_both_arms_with_spread_and_seconds(root):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["transfer", "--json", "--quiet", "--data-dir", str(root), "--no-download",
                     *[f"--{k.replace('_', '-')}={v}" for k, v in SMALL.items()]])
    assert code == 0, err.getvalue()
    payload = json.loads(out.getvalue())
    assert (payload["source"], payload["target"], payload["status"]) == ("mnist", "fashion-mnist", "ok")
    assert 0 <= payload["source_test_accuracy"] <= 1
    assert [r["labels"] for r in payload["rows"]] == [20, 100]
    for row in payload["rows"]:
        for arm in ("transfer", "scratch"):
            assert len(row[f"{arm}_accuracies"]) == 2 and len(row[f"{arm}_seconds"]) == 2
            assert row[f"{arm}_std"] >= 0 and all(s > 0 for s in row[f"{arm}_seconds"])
            assert row[f"{arm}_mean"] == pytest.approx(sum(row[f"{arm}_accuracies"]) / 2)
    assert len(payload["verdicts"]) == 2 and all("labels" in v for v in payload["verdicts"])


def test_the_arms_differ_only_in_their_convolutions(sets):
    run = TransferTraining(TransferConfig(**SMALL), *sets)
    run.advance(epochs=1)                                   # the source model
    frozen, scratch = run._model("transfer", 7), run._model("scratch", 7)
    assert torch.equal(frozen.fc1.weight, scratch.fc1.weight)                 # the same seeded head
    assert torch.equal(frozen.conv1.weight, run.source_model.conv1.weight)    # the source's filters
    assert not torch.equal(frozen.conv1.weight, scratch.conv1.weight)
    assert not frozen.conv1.weight.requires_grad and not frozen.conv2.weight.requires_grad
    before = frozen.conv2.weight.clone()
    x, y = sets[1].train_images[:40], sets[1].train_labels[:40]
    for _ in run._fine_tune(frozen, x, y, 0):
        pass
    assert torch.equal(frozen.conv2.weight, before)                           # frozen stays frozen


def test_many_small_advances_give_the_same_numbers_and_stop_keeps_what_was_measured(sets):
    whole = TransferTraining(TransferConfig(**SMALL), *sets)
    whole.advance(epochs=whole.stages)
    steps = TransferTraining(TransferConfig(**SMALL), *sets)
    while not steps.done:
        frame = steps.advance(batches=7)
        assert 0 <= frame.progress <= 1
    assert [r.transfer for r in steps.result().rows] == [r.transfer for r in whole.result().rows]
    stopped = TransferTraining(TransferConfig(**SMALL), *sets)
    stopped.advance(epochs=3)
    stopped.cancel()
    result = stopped.result()
    assert result.status == "stopped" and "stopped at training 3 of 9" in result.message
    assert result.rows[0].transfer and len(result.rows[0].scratch) == 1 and not result.rows[1].transfer


def test_a_given_source_model_is_used_and_the_budget_refuses_a_big_comparison(sets):
    from nncore.models.cnn import new_model
    run = TransferTraining(TransferConfig(**SMALL), *sets, source_model=new_model(1))
    assert run.stages == 8                                   # no source training
    big = TransferConfig(seeds=10, steps=2000)
    message = over_budget(TransferTraining(big, *sets).estimate(), big, 30)
    assert "fewer seeds (10 → " in message
    assert over_budget(run.estimate(), run.config, 30) is None
    with pytest.raises(ValueError, match="must be mnist then fashion-mnist"):
        TransferTraining(TransferConfig(), sets[1], sets[0])


def test_the_verdict_says_when_the_gap_is_within_the_spread():
    assert "no clear difference" in TransferRow(100, 100, [0.70, 0.60], [0.66, 0.62]).verdict("mnist")
    assert "transfer helped by 20.0 points" in TransferRow(100, 100, [0.81, 0.79], [0.61, 0.59]).verdict("mnist")
    assert "hurt" in TransferRow(100, 100, [0.51, 0.49], [0.61, 0.59]).verdict("mnist")
    assert "one seed" in TransferRow(100, 100, [0.8], [0.6]).verdict("mnist")
    with pytest.raises(ValueError, match="seeds must be between 1 and 10"):
        TransferConfig(seeds=0)


def test_a_stop_click_keeps_what_the_page_measured_so_far(sets):
    """The page's record: a run interrupted by a rerun (a Stop click) is cancelled and kept, with its figure."""
    from nncore.records.transfer import TransferStudy
    study = TransferStudy(run=TransferTraining(TransferConfig(**SMALL), *sets))
    study.run.advance(epochs=2)
    study.keep_interrupted()
    assert study.run is None and study.result.status == "stopped" and study.figure is not None
    assert study.result.rows[0].transfer and not study.result.rows[0].scratch
    study.keep_interrupted()                                    # nothing running: nothing changes
    assert study.result.status == "stopped"
