"""The CNN's stepping engine: chunked == one-shot bit for bit, cancel, frames and estimates."""
import threading

import pytest
import torch

from nncore.data.images import load_images
from nncore.engine.cnn import CNNTraining, train_cnn
from nncore.models.cnn import CNNConfig, SeedCNN, SeededDropout2d


@pytest.fixture(scope="module")
def digits(idx_root):
    return load_images("mnist", idx_root, download=False)        # 600 train, 200 test synthetic digits


def history_lists(h):
    return [h.epoch, h.train_loss, h.train_accuracy, h.val_loss, h.val_accuracy]   # seconds differ by run


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key                 # bit for bit


@pytest.mark.parametrize("recipe", ["seed", "fast"])
def test_many_small_advances_equal_one_advance_to_the_end(digits, recipe):
    cfg = CNNConfig(recipe=recipe, epochs=3, limit_train=320, batch_size=32, learning_rate=2e-3, seed=7)
    one = CNNTraining(cfg, digits)
    last = one.advance(epochs=3)
    assert last.status == "ok" and last.batch == last.batches == 30 and one.done

    chunked = CNNTraining(cfg, digits)
    frames = []
    for k in (1, 3, 6, 2, 5, 4, 50):                              # batch chunks that cross epoch ends
        frames.append(chunked.advance(batches=k))
        torch.rand(1000)                                          # other torch code draws in between
        SeedCNN().train()(torch.randn(2, 1, 28, 28))               # and so does another model's dropout
    assert [f.batch for f in frames] == [1, 4, 10, 12, 17, 21, 30]
    assert [f.epoch for f in frames] == [0, 0, 1, 1, 1, 2, 3]      # an epoch's last batch closes it
    assert frames[-1].status == "ok" and frames[2].status == "running"
    assert frames[2].history.epochs_run == 1 and frames[-1].label.startswith("batch 30 of 30")
    assert_same_weights(one.result().model, chunked.result().model)
    assert history_lists(one.history) == history_lists(chunked.history)
    assert one.result().test_accuracy == chunked.result().test_accuracy


def test_advance_by_epochs_and_train_cnn_agree(digits):
    cfg = CNNConfig(recipe="seed", epochs=2, limit_train=200, batch_size=50, seed=3)
    run = CNNTraining(cfg, digits)
    assert [run.advance(epochs=1).epoch for _ in range(3)] == [1, 2, 2]
    assert run.done and run.status == "ok"
    result = train_cnn(digits, cfg)
    assert_same_weights(run.result().model, result.model)
    assert history_lists(run.history) == history_lists(result.history)
    with pytest.raises(ValueError, match="batches or by epochs"):
        run.advance(batches=1, epochs=1)


def test_cancel_stops_within_one_batch_and_keeps_the_model(digits):
    cfg = CNNConfig(recipe="seed", epochs=5, limit_train=600, batch_size=20)
    run = CNNTraining(cfg, digits)
    initial = {k: v.clone() for k, v in run.model.state_dict().items()}
    run.advance(batches=3)
    run.cancel()
    frame = run.advance(batches=10)
    assert frame.batch == 3 and frame.status == "stopped" and run.done
    assert frame.label == "stopped at epoch 1 of 5"
    result = run.result()
    assert result.status == "stopped" and result.history.message == "stopped at epoch 1 of 5"
    assert not torch.equal(result.model.state_dict()["fc2.weight"], initial["fc2.weight"])   # it learned
    assert 0.0 <= result.test_accuracy <= 1.0 and result.train_seconds > 0


def test_cancel_from_another_thread_during_a_long_advance(digits):
    def on_batch(done, total, loss):
        if done == 5:                                             # another thread cancels during batch 5
            canceller = threading.Thread(target=run.cancel)
            canceller.start()
            canceller.join()

    run = CNNTraining(CNNConfig(recipe="seed", epochs=50, limit_train=600, batch_size=20), digits,
                      on_batch=on_batch)
    frame = run.advance(epochs=50)
    assert frame.status == "stopped" and frame.batch == 5 and frame.epoch == 0


def test_result_from_another_thread_waits_for_the_batch_in_flight(digits):
    """A page's Stop click reruns the script in a new thread while the old one is still advancing."""
    run = CNNTraining(CNNConfig(recipe="seed", epochs=50, limit_train=600, batch_size=20), digits)
    started = threading.Event()
    worker = threading.Thread(target=lambda: [started.set(), run.advance(epochs=50)])
    worker.start()
    started.wait()
    run.cancel()
    result = run.result()                                         # no "generator already executing"
    worker.join(timeout=60)
    assert not worker.is_alive() and result.status == "stopped" and run.batch < run.batches


def test_a_callback_stop_is_labelled_stopped(digits):
    r = train_cnn(digits, CNNConfig(epochs=3, limit_train=300, batch_size=50),
                  on_batch=lambda done, total, loss: done == 4)
    assert r.status == "stopped" and r.history.message == "stopped at epoch 1 of 3"
    r = train_cnn(digits, CNNConfig(epochs=3, limit_train=300, batch_size=50), on_epoch=lambda h: True)
    assert r.status == "stopped" and r.history.epochs_run == 1


def test_estimate_is_positive_and_grows_with_epochs(digits):
    small = CNNTraining(CNNConfig(epochs=1, limit_train=300), digits).estimate()
    large = CNNTraining(CNNConfig(epochs=4, limit_train=300), digits).estimate()
    assert 0 < small.seconds < large.seconds and 0 < small.flops < large.flops
    assert large.flops == pytest.approx(4 * small.flops)


def test_the_estimate_knows_the_fused_kernels(monkeypatch):
    """The fast recipe trains through cnn_fused where it is available: the estimate takes their rate
    (with torch's, the budget refused trainings that fit in it), and torch's where they are not. The
    seed recipe always trains through torch's layers."""
    from nncore.engine import cnn as cnn_frames
    from nncore.models import cnn_fused
    monkeypatch.setattr(cnn_frames, "host_factor", lambda: 1.0)
    seconds = {}
    for kernels in (True, False):
        monkeypatch.setattr(cnn_fused, "available", lambda k=kernels: k)
        for recipe in ("fast", "seed"):
            config = CNNConfig(dataset="fashion-mnist", recipe=recipe, epochs=3, device="cpu")
            seconds[kernels, recipe] = cnn_frames.estimate_cnn(config, 60000, 10000).seconds
    assert seconds[True, "fast"] < seconds[False, "fast"]
    assert seconds[True, "seed"] == seconds[False, "seed"]


def test_dropout_draws_from_its_own_generator():
    drop = SeededDropout2d(0.5, torch.Generator().manual_seed(1)).train()
    x = torch.ones(4, 8, 3, 3)
    first = drop(x)
    drop.generator.manual_seed(1)
    torch.manual_seed(123)
    assert torch.equal(first, drop(x))
    assert set(first.unique().tolist()) <= {0.0, 2.0}
    assert (first == first[:, :, :1, :1]).all()                   # whole channels dropped
    assert torch.equal(drop.eval()(x), x)
