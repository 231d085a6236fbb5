"""The CNN by hand: every number the convolution, pooling and softmax views show, against the tensors the
model's own layers computed (to 1e-5), for conv1 and conv2, at the border and in the middle."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nncore.data.images import normalize
from nncore.models.cnn import new_model
from nncore.teaching import cnn_hand
from tests.conftest import synthetic_digits

TOL = dict(rtol=1e-5, atol=1e-5)
APPROX = dict(rel=1e-5, abs=1e-5)
CONV1_CELLS = [(0, 0), (0, 25), (25, 0), (25, 25), (13, 12), (7, 19)]      # corners (border) and middle
CONV2_CELLS = [(0, 0), (10, 10), (0, 10), (5, 5), (3, 8)]


@pytest.fixture(scope="module")
def model():
    m = new_model(3)
    with torch.no_grad():                       # a model whose numbers are not all tiny: a few Adam steps
        x, y = synthetic_digits(64, seed=4)
        opt = torch.optim.Adam(m.parameters(), 1e-2)
        for _ in range(5):
            opt.zero_grad()
            with torch.enable_grad():
                F.nll_loss(m(normalize(torch.from_numpy(x))), torch.from_numpy(y).long()).backward()
            opt.step()
    return m.eval()


@pytest.fixture(scope="module")
def image():
    return torch.from_numpy(synthetic_digits(1, seed=9)[0][0])


@pytest.fixture(scope="module")
def t(model, image):
    return cnn_hand.trace(model, image)


def test_the_trace_is_the_models_own_forward_pass(model, image, t):
    x = normalize(image.reshape(1, 28, 28))
    with torch.no_grad():
        z1 = model.conv1(x)
        p1 = F.relu(F.max_pool2d(z1, 2))
        z2 = model.conv2(p1)
        a1, a2 = model.features(x)                                       # the page's feature maps
        logp = model(x)
    np.testing.assert_allclose(t.x, x[0, 0].numpy(), **TOL)
    np.testing.assert_allclose(t.z1, z1[0].numpy(), **TOL)
    np.testing.assert_allclose(np.maximum(t.z1, 0), a1[0].numpy(), **TOL)
    np.testing.assert_allclose(t.p1, p1[0].numpy(), **TOL)
    np.testing.assert_allclose(t.z2, z2[0].numpy(), **TOL)
    np.testing.assert_allclose(np.maximum(t.z2, 0), a2[0].numpy(), **TOL)
    np.testing.assert_allclose(t.proba, logp[0].exp().numpy(), **TOL)
    assert t.flat.shape == (1600,) and t.h.shape == (100,)


@pytest.mark.parametrize("row,col", CONV1_CELLS)
@pytest.mark.parametrize("f", [0, 17, 31])
def test_conv1_cell_by_hand(t, f, row, col):
    c = cnn_hand.conv1_cell(t, f, row, col)
    np.testing.assert_allclose(c.patch, t.x[row:row + 3, col:col + 3], **TOL)
    np.testing.assert_allclose(c.products, c.patch * c.kernel, **TOL)
    assert c.total == pytest.approx(c.products.sum(), abs=1e-12)
    assert c.z == pytest.approx(t.z1[f, row, col], **APPROX) and c.map_value == t.z1[f, row, col]
    assert c.relu == pytest.approx(max(t.z1[f, row, col], 0), **APPROX)
    p = c.pool
    assert p.top <= row < p.top + 2 and p.left <= col < p.left + 2
    assert p.values.max() == p.values[p.winner]
    assert p.pooled == pytest.approx(p.values.max(), **APPROX)                    # the winner is what conv2 got
    assert p.pooled == t.p1[f, row // 2, col // 2]


@pytest.mark.parametrize("row,col", CONV2_CELLS)
@pytest.mark.parametrize("f", [0, 40, 63])
def test_conv2_cell_by_hand(t, f, row, col):
    c = cnn_hand.conv2_cell(t, f, row, col)
    assert c.channel_sums.shape == (32,)
    np.testing.assert_allclose(c.patches, t.p1[:, row:row + 3, col:col + 3], **TOL)
    np.testing.assert_allclose(c.channel_sums, (c.patches * c.kernels).sum(axis=(1, 2)), **TOL)
    assert c.z == pytest.approx(t.z2[f, row, col], **APPROX)
    assert c.relu == pytest.approx(max(t.z2[f, row, col], 0), **APPROX)
    if row == 10 or col == 10:
        assert c.pool is None                                 # the 2x2 pool drops conv2's last row and column
    else:
        assert c.pool.pooled == pytest.approx(c.pool.values.max(), **APPROX)
        assert c.pool.pooled == t.flat[f * 25 + row // 2 * 5 + col // 2]
    top = c.biggest(3)
    assert abs(c.channel_sums[top[0]]) == np.abs(c.channel_sums).max()


def test_a_wrong_cell_would_be_caught(t):
    """The checks can fail: the hand sum at one cell is not the map's value at its neighbour."""
    c = cnn_hand.conv1_cell(t, 5, 12, 12)
    assert not np.isclose(c.z, t.z1[5, 12, 13], **TOL)


def test_head_and_softmax_by_hand(t):
    h = cnn_hand.head(t)
    assert h.unit == cnn_hand.strongest_unit(t)
    assert h.unit_z == pytest.approx(t.z3[h.unit], **APPROX) and h.unit_map == t.z3[h.unit]
    w, b = t.layers["fc1"]
    products = t.flat * w[h.unit]
    assert [r["product"] for r in h.inputs] == pytest.approx(sorted(products, key=abs, reverse=True)[:8], **APPROX)
    np.testing.assert_allclose(h.logits, t.logits, **TOL)
    np.testing.assert_allclose(h.exps, np.exp(t.logits.astype(np.float64)), **TOL)
    assert h.exp_sum == pytest.approx(h.exps.sum())
    np.testing.assert_allclose(h.proba, t.proba, **TOL)                    # softmax by hand = the model's
    np.testing.assert_allclose(h.proba, h.model_proba, **TOL)
    w2, b2 = t.layers["fc2"]
    np.testing.assert_allclose(w2 @ t.h + b2, t.logits, **TOL)
    assert cnn_hand.feature_name(0) == "conv2 map 0, pooled cell (0, 0)"
    assert cnn_hand.feature_name(1599) == "conv2 map 63, pooled cell (4, 4)"


def test_bad_cells_are_refused(t):
    with pytest.raises(ValueError, match="conv1 row must be between 0 and 25"):
        cnn_hand.conv1_cell(t, 0, 26, 0)
    with pytest.raises(ValueError, match="conv2 column must be between 0 and 10"):
        cnn_hand.conv2_cell(t, 0, 0, -1)


def test_a_drawing_becomes_the_networks_image():
    assert cnn_hand.drawing_image([], (240, 240)) is None
    stroke = {"type": "path", "path": [["M", 100, 40], ["L", 120, 200]], "strokeWidth": 16, "left": 0, "top": 0}
    img = cnn_hand.drawing_image([stroke], (240, 240))
    assert img.shape == (28, 28) and img.dtype == torch.uint8 and img.max() > 200
