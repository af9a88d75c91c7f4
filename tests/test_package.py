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


def _tree(root, classes=4, per_class=8, size=40):
    import numpy as np
    from PIL import Image
    for c in range(classes):
        d = root / f'class{c}'; d.mkdir(parents=True)
        for i in range(per_class):
            g = np.random.default_rng(100 * c + i)
            Image.fromarray(np.clip(40 * c + g.normal(100, 30, (size, size, 3)), 0, 255).astype(np.uint8)).save(d / f'{i:03d}.png')
    return root


def test_run_quick_on_an_imagefolder_tree_with_a_unet(tmp_path, monkeypatch):
    "The paper-scale path (folder data, U-Net, inpainting) end to end at tiny size."
    monkeypatch.setenv('I2I_UNLEARN_CACHE', str(tmp_path / 'cache'))
    from i2i_unlearn.cli import main
    tree = _tree(tmp_path / 'tree')
    out = tmp_path / 'out'
    code = main(['run', '--quick', '--dataset', 'folder', '--data-root', str(tree), '--forget-classes', '0', '--model', 'unet',
                 '--task', 'inpaint', '--image-size', '32', '--methods', 'decouple,li2024', '--out', str(out), '--device', 'cpu'])
    assert code == 0
    res = json.loads((out / 'results.json').read_text())
    assert res['schema'] == 'i2i_unlearn/results/v1' and res['data']['dataset'] == 'folder'
    assert set(res['models']) == {'original', 'retrain', 'decouple', 'li2024'}
    assert res['config']['model'] == 'unet' and res['config']['task'] == 'inpaint'


def test_non_empty_out_is_refused_without_resume(tmp_path):
    from i2i_unlearn.cli import main
    (tmp_path / 'mine.txt').write_text('keep me')
    assert main(['run', '--quick', '--out', str(tmp_path)]) == 2
    assert (tmp_path / 'mine.txt').read_text() == 'keep me'
