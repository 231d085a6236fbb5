import math

import pytest

from nncore.core.settings import check_layers, config_key
from nncore.data.toy import DataConfig
from nncore.models.cnn import CNNConfig
from nncore.models.registry import ModelSpec, preset
from nncore.models.scratch import ScratchConfig
from nncore.models.sklearn_mlp import SklearnConfig
from nncore.models.torch_mlp import TorchMLPConfig

BAD = [
    (DataConfig, "name", "banana"), (DataConfig, "n_samples", 5), (DataConfig, "n_samples", 10**7),
    (DataConfig, "noise", -0.1), (DataConfig, "noise", math.nan), (DataConfig, "test_fraction", 0.9),
    (DataConfig, "seed", -1), (DataConfig, "n_samples", 12.5), (DataConfig, "n_samples", "100"),
    (ScratchConfig, "hidden", (0,)), (ScratchConfig, "hidden", (4,) * 20), (ScratchConfig, "activation", "gelu"),
    (ScratchConfig, "init", "zeros"), (ScratchConfig, "learning_rate", 0.0), (ScratchConfig, "learning_rate", math.inf),
    (ScratchConfig, "epochs", 0), (ScratchConfig, "batch_size", -1), (ScratchConfig, "momentum", 1.0),
    (ScratchConfig, "l2", -1e-3), (ScratchConfig, "seed", True),
    (TorchMLPConfig, "dropout", 0.95), (TorchMLPConfig, "optimizer", "rmsprop"), (TorchMLPConfig, "batch_norm", "yes"),
    (TorchMLPConfig, "epochs", 10**6),
    (SklearnConfig, "optimizer", "lbfgs"), (SklearnConfig, "hidden", "a,b"),
    (CNNConfig, "dataset", "cifar"), (CNNConfig, "recipe", "slow"), (CNNConfig, "epochs", 0),
    (CNNConfig, "batch_size", 10**5), (CNNConfig, "learning_rate", -1.0), (CNNConfig, "device", "tpu"),
    (CNNConfig, "limit_train", -5),
]


@pytest.mark.parametrize("cls,field,value", BAD)
def test_invalid_value_names_the_field(cls, field, value):
    with pytest.raises(ValueError, match=field.split("[")[0]):
        cls(**{field: value})


def test_error_gives_the_allowed_range():
    with pytest.raises(ValueError, match=r"noise must be in \[0, 1\]"):
        DataConfig(noise=2.0)


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match="unknown ScratchConfig field"):
        ScratchConfig.from_dict({"learnig_rate": 0.1})


def test_layers_parse_from_text():
    assert check_layers("hidden", "16, 8,4") == (16, 8, 4)
    assert ScratchConfig(hidden=[3, 2]).hidden == (3, 2)


def test_model_spec_roundtrip_and_name_check():
    spec = ModelSpec("Net", TorchMLPConfig(hidden=(4,)))
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="name"):
        ModelSpec("", ScratchConfig())
    with pytest.raises(ValueError, match="framework"):
        ModelSpec.from_dict({"framework": "keras"})


def test_config_key_is_stable_and_sensitive():
    a = config_key(DataConfig(), ScratchConfig())
    assert a == config_key(DataConfig(), ScratchConfig())
    assert a != config_key(DataConfig(seed=1), ScratchConfig())
    assert a != config_key(DataConfig(), ScratchConfig(seed=1))


def test_presets_exist():
    for name in ("seed", "default", "shallow-vs-deep"):
        data, lineup = preset(name)
        assert lineup
    with pytest.raises(ValueError, match="preset"):
        preset("nope")
