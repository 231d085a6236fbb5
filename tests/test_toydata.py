import numpy as np
import pytest

from nncore.data.toy import DataConfig, load_toy


@pytest.mark.parametrize("name,classes", [("moons", 2), ("circles", 2), ("xor", 2), ("spiral", 3)])
def test_sets_split_and_scale(name, classes):
    d = load_toy(DataConfig(name=name, n_samples=300, test_fraction=0.2))
    assert d.n_classes == classes
    assert len(d.y_train) == 240 and len(d.y_test) == 60
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0, atol=1e-9)      # scaler fitted on train
    np.testing.assert_allclose(d.X_train.std(axis=0), 1, atol=1e-9)
    assert abs(d.X_test.mean()) > 1e-6                                     # test only transformed
    # stratified: class shares agree between the splits
    np.testing.assert_allclose(np.bincount(d.y_train) / 240, np.bincount(d.y_test) / 60, atol=0.03)


def test_same_seed_same_data_other_seed_other_data():
    a, b = load_toy(DataConfig(seed=3)), load_toy(DataConfig(seed=3))
    c = load_toy(DataConfig(seed=4))
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.X_train, c.X_train)


def test_noise_changes_the_points():
    clean, noisy = load_toy(DataConfig(noise=0.0)), load_toy(DataConfig(noise=0.3))
    assert not np.allclose(clean.X_train, noisy.X_train)
