"""The fast recipe's fused CPU kernels against torch's own layers (the oracle), and the fallback to them."""
import platform
import shutil

import pytest
import torch
import torch.nn.functional as F

from nncore.data.images import MEAN, STD
from nncore.models import cnn, cnn_fused
from nncore.models.cnn import CNNConfig
from nncore.training.cnn_run import CNNTraining

needs_kernels = pytest.mark.skipif(not shutil.which("g++"), reason="no C++ compiler on this machine")


@pytest.fixture(scope="module")
def avx2_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("kernels-avx2")


@pytest.fixture(params=["native", "avx2"])
def kernels(request, monkeypatch, avx2_cache):
    """The kernels as built for this machine, and as built for a CPU without AVX-512 (8 channels per
    vector instead of 16), both on this machine."""
    if request.param == "avx2":
        if platform.machine() not in ("x86_64", "AMD64"):
            pytest.skip("the AVX2 build is an x86 one")
        monkeypatch.setattr(cnn_fused, "FLAGS", [*cnn_fused.FLAGS, "-mno-avx512f"])
        monkeypatch.setattr(cnn_fused, "CACHE_DIR", avx2_cache)
        monkeypatch.setattr(cnn_fused, "_STATE", {})
    assert cnn_fused.available(), cnn_fused.reason()
    return request.param


def images(n=37, seed=0):
    """Normalised digit-like images: mostly background, some strokes (ties in the pools included)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(n, 1, 28, 28)
    x[:, :, 6:22, 6:22] = torch.rand(n, 1, 16, 16, generator=g).round()
    return (x - MEAN) / STD


def conv1_pool_reference(x, w, b):
    return F.relu(F.max_pool2d(F.conv2d(x, w, b), 2))


@needs_kernels
def test_kernels_build_where_a_compiler_is():
    assert cnn_fused.available(), cnn_fused.reason()
    assert "fused" in cnn_fused.reason()


@needs_kernels
def test_conv1_pool_matches_torch_forward_and_gradients(kernels):
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
def test_conv1_pool_in_bfloat16_is_the_float32_result_rounded_forward_and_back(kernels):
    """Under bfloat16 autocast conv1 still computes in float32; the output is rounded, and the bfloat16
    gradient coming back from conv2 gives the weights float32's gradient for that same rounded gradient."""
    torch.manual_seed(2)
    x = images(16)
    w, b = (torch.randn(32, 1, 3, 3) * 0.4).requires_grad_(), (torch.randn(32) * 0.2).requires_grad_()
    ref = conv1_pool_reference(x, w, b)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = cnn_fused.Conv1Pool.apply(x, w, b)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out, ref.detach().bfloat16(), rtol=8e-3, atol=1e-5)
    grad = torch.randn(out.shape).bfloat16().contiguous(memory_format=torch.channels_last)
    dw, db = torch.autograd.grad(out, (w, b), grad)
    rw, rb = torch.autograd.grad(ref, (w, b), grad.float())
    torch.testing.assert_close(dw, rw, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(db, rb, rtol=1e-5, atol=1e-4)


@needs_kernels
def test_conv1_pool_ties_go_to_the_first_window_position_as_in_torch(kernels):
    """Only the centre tap weighs, so pixels tie inside a window while their 3x3 patches differ: the
    other taps' gradients show which position won."""
    g = torch.Generator().manual_seed(6)
    x = torch.randint(0, 3, (8, 1, 28, 28), generator=g).float()           # 0, 1, 2: many ties
    w = torch.zeros(32, 1, 3, 3)
    w[:, 0, 1, 1] = torch.linspace(0.5, 2.0, 32)
    w.requires_grad_()
    b = torch.zeros(32, requires_grad=True)
    ref, out = conv1_pool_reference(x, w, b), cnn_fused.Conv1Pool.apply(x, w, b)
    assert torch.equal(out, ref)
    grad = torch.rand(ref.shape, generator=g)
    rw, = torch.autograd.grad(ref, w, grad)
    dw, = torch.autograd.grad(out, w, grad)
    torch.testing.assert_close(dw, rw, rtol=1e-5, atol=1e-4)


@needs_kernels
def test_nan_passes_both_pools_as_in_torch(kernels):
    x, w, b = images(4), torch.randn(32, 1, 3, 3), torch.randn(32)
    w[3, 0, 0, 0] = float("nan")
    torch.testing.assert_close(cnn_fused.Conv1Pool.apply(x, w, b), conv1_pool_reference(x, w, b), equal_nan=True,
                               rtol=1e-5, atol=1e-5)
    for dtype in (torch.float32, torch.bfloat16):
        z = torch.randn(2, 64, 11, 11).to(dtype).contiguous(memory_format=torch.channels_last)
        z[0, 5, 2, 3] = z[1, 7, 0, 0] = float("nan")
        out = cnn_fused.Pool2.apply(z)
        torch.testing.assert_close(out, torch.flatten(F.relu(F.max_pool2d(z, 2)), 1), equal_nan=True)
        assert out.isnan().sum() == 2
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert cnn_fused.Conv1Pool.apply(x, w, b)[:, 3].isnan().any()               # NaN stays NaN in bf16


@needs_kernels
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_pool2_is_torch_exactly(dtype, kernels):
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
def test_the_weight_gradient_does_not_depend_on_the_thread_count(kernels):
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
def test_the_fused_network_trains_as_torch_layers_do(dropout, kernels):
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


@needs_kernels
def test_the_fast_recipe_trains_through_the_kernels_and_hands_back_a_plain_model(idx_root, monkeypatch):
    from nncore.data.images import load_images
    calls = []
    for name in ("Conv1Pool", "Pool2"):
        fn = getattr(cnn_fused, name)
        monkeypatch.setattr(fn, "apply", lambda *a, _f=fn.apply, _n=name: calls.append(_n) or _f(*a))
    digits = load_images("mnist", idx_root, download=False)
    run = CNNTraining(CNNConfig(recipe="fast", epochs=1, limit_train=256, seed=1), digits)
    run.advance(batches=2)
    assert run.model.fused and calls == ["Conv1Pool", "Pool2"] * 2
    run.advance(epochs=1)
    result = run.result()
    assert result.model.fused is False and result.test_accuracy > 0.3
    n = len(calls)
    CNNTraining(CNNConfig(recipe="seed", epochs=1, limit_train=64, seed=1), digits).advance(batches=1)
    assert len(calls) == n                                     # the seed's recipe keeps torch's layers


@needs_kernels
def test_one_bfloat16_step_fused_is_no_further_from_float32_than_torchs():
    """Under autocast torch rounds conv1's input and weights to bfloat16 first, the kernels do not: both
    steps' gradients are bfloat16-close to the float32 step's, and conv1's are closer through the kernels."""
    model = cnn.new_model(8).to(memory_format=torch.channels_last)
    model.dropout.p = 0.0
    x, y = images(64, seed=8).contiguous(memory_format=torch.channels_last), torch.arange(64) % 10
    grads = {}
    for name, fused, bf16 in (("fused", True, True), ("torch", False, True), ("float32", False, False)):
        model.fused = fused
        model.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.nll_loss(model.train()(x).float(), y)
        loss.backward()
        grads[name] = {k: p.grad.clone() for k, p in model.named_parameters()}

    def error(name, key):
        return ((grads[name][key] - grads["float32"][key]).norm() / grads["float32"][key].norm()).item()

    for key in grads["float32"]:
        assert error("fused", key) < 0.2, key
    assert error("fused", "conv1.weight") < error("torch", "conv1.weight")
    assert error("fused", "conv1.bias") < error("torch", "conv1.bias")


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


@needs_kernels
@pytest.mark.parametrize("failure", ["self-check", "second OpenMP"])
def test_kernels_that_misbehave_are_not_used(monkeypatch, failure):
    monkeypatch.setattr(cnn_fused, "_STATE", {})
    if failure == "self-check":
        monkeypatch.setattr(cnn_fused, "_agrees_with_torch", lambda: False)
    else:
        seen = iter([{"/lib/torch/libgomp.so.1"}, {"/lib/torch/libgomp.so.1", "/usr/lib/libomp.so"}])
        monkeypatch.setattr(cnn_fused, "_openmp_runtimes", lambda: next(seen))
    assert not cnn_fused.available()
    expected = "self-check" if failure == "self-check" else "second OpenMP runtime (/usr/lib/libomp.so)"
    assert expected in cnn_fused.reason()
