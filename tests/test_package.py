"Unit tests of the installed package, outside the notebooks."
import json, subprocess, sys
import torch
import pytest

from i2i_unlearn import core, data, models


def test_embedded_data_loads_without_network_or_debian_package(monkeypatch):
    monkeypatch.setattr(data, 'DEBIAN_FASHION', data.Path('/nonexistent'))
    ds = data.load('fashion-mnist-10k')
    assert ds.images.shape == (10000, 3, 32, 32) and ds.images.dtype == torch.float32
    assert torch.bincount(ds.labels).tolist() == [1000] * 10


def test_five_datasets():
    assert set(data.DATASETS) == {'fashion-mnist-10k', 'fashion-mnist', 'cifar10', 'photos10', 'folder'}


def test_licence_notice_ships_with_the_data():
    lic = data._embedded('LICENSE').read_text()
    assert 'Zalando' in lic and 'MIT' in lic


@pytest.mark.parametrize('name', sorted(models.MODELS))
def test_param_groups_partition(name):
    assert models.check_partition(models.build_model(name))


def test_python_dash_m_matches_console_script():
    r = subprocess.run([sys.executable, '-m', 'i2i_unlearn', '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and 'info' in r.stdout
