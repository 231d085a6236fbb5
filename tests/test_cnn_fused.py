"""The fast recipe's fused CPU kernels against torch's own layers (the oracle), and the fallback to them."""
import shutil

import pytest
import torch
import torch.nn.functional as F

from nncore.models import cnn, cnn_fused
from nncore.models.cnn import CNNConfig
from nncore.training.cnn_run import CNNTraining

needs_kernels = pytest.mark.skipif(not shutil.which("g++"), reason="no C++ compiler on this machine")


def images(n=37, seed=0):
    """Normalised digit-like images: mostly background, some strokes (ties in the pools included)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(n, 1, 28, 28)
    x[:, :, 6:22, 6:22] = torch.rand(n, 1, 16, 16, generator=g).round()
    return (x - 0.1307) / 0.3081


def conv1_pool_reference(x, w, b):
    return F.relu(F.max_pool2d(F.conv2d(x, w, b), 2))


@needs_kernels
def test_kernels_build_where_a_compiler_is():
    assert cnn_fused.available(), cnn_fused.reason()
    assert "fused" in cnn_fused.reason()


@needs_kernels
def test_conv1_pool_matches_torch_forward_and_gradients():
    torch.manual_seed(1)
    x = images()
    w = (torch.randn(32, 1, 3, 3) * 0.4).requires_grad_()
    b = (torch.randn(32) * 0.2).requires_grad_()
    ref = conv1_pool_reference(x, w, b)
    grad = torch.randn_like(ref)
    rw, rb = torch.autograd.grad(ref, (w, b), grad)
    out = cnn_fused.Conv1Pool.apply(x, w, b)
    assert out.shape == (37, 32, 13, 13) and out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    dw, db = torch.autograd.grad(out, (w, b), grad)
    torch.testing.assert_close(dw, rw, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(db, rb, rtol=1e-5, atol=1e-4)
    assert (ref == 0).float().mean() > 0.2                    # ReLU and ties were exercised


@needs_kernels
def test_conv1_pool_in_bfloat16_is_the_float32_result_rounded():
    torch.manual_seed(2)
    x, w, b = images(16), torch.randn(32, 1, 3, 3) * 0.4, torch.randn(32) * 0.2
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = cnn_fused.Conv1Pool.apply(x, w, b)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out, conv1_pool_reference(x, w, b).bfloat16(), rtol=8e-3, atol=1e-5)


@needs_kernels
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_pool2_is_torch_exactly(dtype):
    torch.manual_seed(3)
    z = torch.randn(9, 64, 11, 11).round(decimals=1).to(dtype)      # rounded: ties to break
    z = z.contiguous(memory_format=torch.channels_last).requires_grad_()
    ref = torch.flatten(F.relu(F.max_pool2d(z, 2)), 1)
    grad = torch.randn_like(ref)
    (rz,) = torch.autograd.grad(ref, z, grad)
    out = cnn_fused.Pool2.apply(z)
    assert torch.equal(out, ref)
    (gz,) = torch.autograd.grad(out, z, grad)
    assert gz.dtype == dtype and torch.equal(gz, rz)


@needs_kernels
def test_the_weight_gradient_does_not_depend_on_the_thread_count():
    x, w, b = images(50), (torch.randn(32, 1, 3, 3) * 0.4).requires_grad_(), torch.zeros(32, requires_grad=True)
    grads = []
    before = torch.get_num_threads()
    try:
        for threads in (1, 2, 3):
            torch.set_num_threads(threads)
            out = cnn_fused.Conv1Pool.apply(x, w, b)
            grads.append(torch.autograd.grad(out.sum(), w)[0])
    finally:
        torch.set_num_threads(before)
    assert torch.equal(grads[0], grads[1]) and torch.equal(grads[0], grads[2])


@needs_kernels
@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_the_fused_network_trains_as_torch_layers_do(dropout):
    """One step of the whole network, fused and not: the same loss, and every parameter's gradient."""
    model = cnn.new_model(4)
    model.dropout.p = dropout
    x, y = images(32, seed=4), torch.randint(0, 10, (32,), generator=torch.Generator().manual_seed(4))

    def step(fused):
        model.fused = fused
        model.dropout.generator = torch.Generator().manual_seed(5)       # the same channel masks
        model.zero_grad()
        loss = F.nll_loss(model.train()(x), y)
        loss.backward()
        return loss.item(), {k: p.grad.clone() for k, p in model.named_parameters()}

    loss_fused, fused = step(True)
    loss_torch, plain = step(False)
    assert loss_fused == pytest.approx(loss_torch, rel=1e-6)
    for key in plain:
        torch.testing.assert_close(fused[key], plain[key], rtol=1e-4, atol=1e-6, msg=key)
    model.fused = True                                       # in eval mode the kernels stay out
    with torch.no_grad():
        evaluated = model.eval()(x)
        model.fused = False
        assert torch.equal(evaluated, model(x))


def test_the_fast_recipe_uses_the_kernels_and_hands_back_a_plain_model(idx_root):
    from nncore.data.images import load_images
    digits = load_images("mnist", idx_root, download=False)
    run = CNNTraining(CNNConfig(recipe="fast", epochs=1, limit_train=256, seed=1), digits)
    run.advance(batches=1)
    assert run.model.fused == cnn_fused.available()
    run.advance(epochs=1)
    assert run.result().model.fused is False and run.result().test_accuracy > 0.3


def test_without_a_compiler_training_keeps_torchs_layers(monkeypatch, tmp_path, idx_root):
    from nncore.data.images import load_images
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    monkeypatch.setattr(cnn_fused, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(cnn_fused, "_STATE", {})
    assert not cnn_fused.available()
    assert "no C++ compiler" in cnn_fused.reason() and "no-such-compiler" in cnn_fused.reason()
    digits = load_images("mnist", idx_root, download=False)
    run = CNNTraining(CNNConfig(recipe="fast", epochs=1, limit_train=128, seed=1), digits)
    run.advance(batches=1)
    assert run.model.fused is False and run.loss == run.loss     # trained, not NaN


@needs_kernels
def test_a_source_that_does_not_compile_says_so(monkeypatch, tmp_path):
    bad = tmp_path / "broken.cc"
    bad.write_text("this is not C++\n")
    monkeypatch.setattr(cnn_fused, "SOURCE", bad)
    monkeypatch.setattr(cnn_fused, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(cnn_fused, "_STATE", {})
    assert not cnn_fused.available()
    assert "did not compile" in cnn_fused.reason() and "broken.cc" in cnn_fused.reason()
    assert not list(tmp_path.glob("*/*.so"))                  # no half-built library left behind
