"""Settings declared once: every field carries its range, label and help, and everything else follows."""
import json
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from nncore.cli import build_parser
from nncore.core.activations import ACTIVATIONS
from nncore.core.settings import settings_of
from nncore.data.toy import DataConfig
from nncore.models.registry import FAMILIES, ModelSpec
from nncore.models.scratch import ScratchConfig
from nncore.urlstate import DATA_KEYS, decode, encode, parse_lineup
from tests.conftest import ROOT
from tests.test_pages import edit_models

CONFIGS = [DataConfig] + [f.config for f in FAMILIES.values()]


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_field_is_declared_with_a_label_help_and_a_range(cls):
    declared = settings_of(cls)
    assert set(declared) == {f for f in cls.__dataclass_fields__}
    for name, s in declared.items():
        assert s.label and s.help, name
        if s.kind in ("int", "float"):
            assert s.lo is not None and s.hi is not None and s.lo < s.hi, name
            default = getattr(cls(), name)
            assert s.lo <= default <= s.hi, name
        if s.kind == "choice":
            assert getattr(cls(), name) in s.choices


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_just_outside_each_range_is_refused_with_the_field_and_range(cls):
    for name, s in settings_of(cls).items():
        if s.kind not in ("int", "float"):
            continue
        too_high = s.hi + 1 if s.kind == "int" else s.hi * 1.01 + 0.01
        bound = int(s.hi) if s.kind == "int" else f"{s.hi:g}"
        with pytest.raises(ValueError, match=rf"^{name} must be .*{bound}"):
            cls(**{name: too_high})


def test_activation_table_names_the_torch_and_sklearn_equivalents():
    import torch.nn as nn
    from sklearn.neural_network._base import ACTIVATIONS as SK
    for name, act in ACTIVATIONS.items():
        assert isinstance(getattr(nn, act.torch)(), nn.Module) and act.sklearn in SK, name
    assert settings_of(ScratchConfig)["activation"].choices == tuple(ACTIVATIONS)


def test_the_widgets_take_their_bounds_and_labels_from_the_declaration():
    at = AppTest.from_file(str(ROOT / "app_pages" / "moons.py"), default_timeout=60).run()
    at.toggle(key="advanced_settings").set_value(True).run()
    edit_models(at)                                      # the models drawer
    epochs = at.number_input(key="g1-m0-epochs")
    s = settings_of(ScratchConfig)["epochs"]
    assert (epochs.label, epochs.min, epochs.max, epochs.help) == (s.label, s.lo, s.hi, s.help)
    samples, declared = at.slider(key="g1-data-n_samples"), settings_of(DataConfig)["n_samples"]
    assert (samples.min, samples.max) == (declared.lo, declared.hi)
    opt = at.selectbox(key="g1-m0-optimizer")
    assert tuple(opt.options) == settings_of(ScratchConfig)["optimizer"].choices


def test_the_command_line_takes_its_choices_from_the_declaration():
    from nncore.models.cnn import CNNConfig
    mnist = build_parser()._subparsers._group_actions[0].choices["mnist"]
    by_dest = {a.dest: a for a in mnist._actions}
    for name, s in settings_of(CNNConfig).items():
        assert by_dest[name].default == getattr(CNNConfig(), name)
        if s.choices:
            assert tuple(by_dest[name].choices) == s.choices


def test_link_names_come_from_the_declaration_and_round_trip():
    assert DATA_KEYS["samples"] == "n_samples" and DATA_KEYS["dataset"] == "name"
    data = DataConfig(name="xor", n_samples=400, noise=0.3, test_fraction=0.3, seed=7)
    lineup = (ModelSpec("Adam", ScratchConfig(optimizer="adam", learning_rate=0.01)),)
    assert decode(encode(data, lineup)) == (data, lineup, [])


def test_a_lineup_file_with_a_scratch_adam_model_trains_from_the_command_line(tmp_path):
    path = tmp_path / "lineup.json"
    path.write_text(json.dumps([{"name": "Scratch Adam", "framework": "numpy",
                                 "config": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 60}}]))
    assert parse_lineup(path.read_text())[0].config.optimizer == "adam"
    out = subprocess.run([sys.executable, "-m", "nncore", "moons", "--lineup", str(path), "--json", "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    (model,) = json.loads(out.stdout)["models"]
    assert model["name"] == "Scratch Adam" and model["epochs"] == 60 and model["test_accuracy"] >= 0.97


@pytest.mark.parametrize("content,message", [
    ("not json", "not valid JSON"), ("[]", "1 to 8 models"), ('[{"framework": "keras"}]', "framework must be"),
    ('[{"framework": "numpy", "config": {"epochs": 0}}]', "epochs must be"), ('[1]', "mapping")])
def test_a_bad_lineup_file_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "lineup.json"
    path.write_text(content)
    out = subprocess.run([sys.executable, "-m", "nncore", "moons", "--lineup", str(path), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_every_toy_family_is_registered_once_and_builds_from_its_id():
    for framework, family in FAMILIES.items():
        spec = ModelSpec.from_dict({"name": "x", "framework": framework, "config": {}})
        assert spec.framework == framework and type(spec.config) is family.config
