"""The fast recipe's fused CPU kernels against torch's own layers (the oracle), and the fallback to them."""
import platform
import shutil

import pytest
import torch
import torch.nn.functional as F

from nncore.data.images import MEAN, STD
from nncore.engine.cnn import CNNTraining
from nncore.models import cnn, cnn_fused
from nncore.models.cnn import CNNConfig

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
    w2, b2 = torch.randn(64, 32, 3, 3), torch.randn(64)
    for dtype in (torch.float32, torch.bfloat16):
        z = torch.randn(2, 32, 13, 13).to(dtype).contiguous(memory_format=torch.channels_last)
        z[0, 5, 2, 3] = float("nan")                                   # one input: its neighbours, every channel
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
            out = cnn_fused.Conv2Pool.apply(z, w2, b2)
            ref = conv2_pool_reference(z, w2, b2)
        torch.testing.assert_close(out, ref, equal_nan=True)
        assert out.isnan().sum() == 64 * 4 and not out[1].isnan().any()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert cnn_fused.Conv1Pool.apply(x, w, b)[:, 3].isnan().any()               # NaN stays NaN in bf16


def conv2_pool_reference(z, w, b):
    return torch.flatten(F.relu(F.max_pool2d(F.conv2d(z, w, b), 2)), 1)


@needs_kernels
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_conv2_pool_is_torch_exactly_where_every_sum_is_exact(dtype, kernels):
    """Small whole numbers throughout: many ties in the pools, and sums that no order can round, so the
    forward and every gradient must equal torch's bit for bit (in bfloat16: torch's rounded, once)."""
    g = torch.Generator().manual_seed(3)
    z = torch.randint(0, 2, (9, 32, 13, 13), generator=g).to(dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randint(-1, 2, (64, 32, 3, 3), generator=g).float().requires_grad_()
    b = torch.randint(-8, 1, (64,), generator=g).float().requires_grad_()
    z.requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        ref, out = conv2_pool_reference(z, w, b), cnn_fused.Conv2Pool.apply(z, w, b)
    assert out.dtype == dtype and torch.equal(out, ref)
    assert (ref == 0).float().mean() > 0.3                    # ReLU zeroed some: no gradient goes there
    grad = torch.randint(-2, 3, ref.shape, generator=g).to(dtype)
    rz, rw, rb = torch.autograd.grad(ref.float(), (z, w, b), grad.float())
    gz, gw, gb = torch.autograd.grad(out.float(), (z, w, b), grad.float())
    assert gz.dtype == dtype and gz.is_contiguous(memory_format=torch.channels_last) and torch.equal(gz, rz)
    assert torch.equal(gw.to(dtype).float(), rw) and torch.equal(gb.to(dtype).float(), rb)   # ours: float32


@needs_kernels
def test_conv2_pools_bfloat16_gradients_are_the_exact_ones_rounded_once(kernels):
    """Against float64 on the same bfloat16 inputs: the weight and bias gradients come out in float32
    (torch's are rounded to bfloat16), the input's gradient is the exact one rounded to bfloat16 (its float32
    sums may round a near-tie the other way)."""
    torch.manual_seed(7)
    z = torch.randn(24, 32, 13, 13).relu().bfloat16().contiguous(memory_format=torch.channels_last).requires_grad_()
    w, b = (torch.randn(64, 32, 3, 3) * 0.1).requires_grad_(), torch.full((64,), -0.3, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ref, out = conv2_pool_reference(z, w, b), cnn_fused.Conv2Pool.apply(z, w, b)
    assert torch.equal(out, ref)
    grad = torch.randn(ref.shape).bfloat16()
    ours = torch.autograd.grad(out, (z, w, b), grad)
    theirs = torch.autograd.grad(ref, (z, w, b), grad)
    # the oracle: float64 arithmetic on the same bfloat16 inputs, through the bfloat16 forward's winners
    with torch.autocast("cpu", dtype=torch.bfloat16):
        pooled, at = F.max_pool2d(F.conv2d(z, w, b).float(), 2, return_indices=True)
    z64, w64, b64 = (t.detach().double().requires_grad_() for t in (z, w.bfloat16(), b.bfloat16()))
    picked = F.conv2d(z64, w64, b64).flatten(2).gather(2, at.flatten(2)) * (pooled.flatten(2) > 0)
    exact = torch.autograd.grad(picked.flatten(1), (z64, w64, b64), grad.double())
    for mine, torchs, oracle in zip(ours[1:], theirs[1:], exact[1:]):          # torch's: rounded to bf16
        assert (mine.double() - oracle).norm() < (torchs.double() - oracle).norm() / 10
    torch.testing.assert_close(ours[0].double(), exact[0], rtol=2 ** -8, atol=1e-6)     # within bf16's step
    torch.testing.assert_close(ours[1].double(), exact[1], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(ours[2].double(), exact[2], rtol=1e-5, atol=1e-5)


@needs_kernels
def test_the_kernels_refuse_shapes_they_were_not_written_for():
    with pytest.raises(ValueError, match=r"x must have shape \(32, 13, 13\)"):
        cnn_fused.Conv2Pool.apply(torch.zeros(2, 32, 14, 14), torch.zeros(64, 32, 3, 3), torch.zeros(64))
    with pytest.raises(ValueError, match=r"weight must have shape \(32, 1, 3, 3\)"):
        cnn_fused.Conv1Pool.apply(torch.zeros(2, 1, 28, 28), torch.zeros(16, 1, 3, 3), torch.zeros(32))


@needs_kernels
def test_the_gradients_do_not_depend_on_the_thread_count(kernels):
    x, w, b = images(50), (torch.randn(32, 1, 3, 3) * 0.4).requires_grad_(), torch.zeros(32, requires_grad=True)
    w2, b2 = (torch.randn(64, 32, 3, 3) * 0.1).requires_grad_(), torch.zeros(64, requires_grad=True)
    for bf16 in (False, True):
        grads = []
        before = torch.get_num_threads()
        try:
            for threads in (1, 2, 3):
                torch.set_num_threads(threads)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    out = cnn_fused.Conv2Pool.apply(cnn_fused.Conv1Pool.apply(x, w, b), w2, b2)
                grads.append(torch.autograd.grad((out.float() ** 2).sum(), (w, w2, b2)))
        finally:
            torch.set_num_threads(before)
        for other in grads[1:]:
            assert all(torch.equal(a, c) for a, c in zip(grads[0], other))


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
    for name in ("Conv1Pool", "Conv2Pool"):
        fn = getattr(cnn_fused, name)
        monkeypatch.setattr(fn, "apply", lambda *a, _f=fn.apply, _n=name: calls.append(_n) or _f(*a))
    digits = load_images("mnist", idx_root, download=False)
    run = CNNTraining(CNNConfig(recipe="fast", epochs=1, limit_train=256, seed=1), digits)
    run.advance(batches=2)
    assert run.model.fused and calls == ["Conv1Pool", "Conv2Pool"] * 2
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
