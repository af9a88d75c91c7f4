"Unit tests of the installed package, outside the notebooks."
import json, math, os, re, subprocess, sys
from pathlib import Path
import torch
import pytest

from i2i_unlearn import core, data, models


def test_embedded_data_loads_without_network_or_debian_package(monkeypatch):
    monkeypatch.setattr(data, 'DEBIAN_FASHION', data.Path('/nonexistent'))
    ds = data.load('fashion-mnist-10k')
    assert ds.images.shape == (10000, 3, 32, 32) and ds.images.dtype == torch.float32
    assert torch.bincount(ds.labels).tolist() == [1000] * 10


def test_six_datasets():
    assert set(data.DATASETS) == {'fashion-mnist-10k', 'fashion-mnist', 'cifar10', 'photos10', 'folder', 'fashion-canaries'}


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


SMOKE_TOML = 'quick = true\ndevice = "cpu"\nimage_size = 16\nepochs = 1\nmethods = ["li2024:steps=5"]\n'


def test_run_and_audit_read_one_config_file_and_write_the_resolved_one(tmp_path, monkeypatch):
    "The acceptance test of issue 17, item 4: `run --config` and `audit --config`, each writing OUT/config.toml."
    import tomllib
    from i2i_unlearn.cli import main
    from i2i_unlearn.audit import AuditConfig
    monkeypatch.setenv('I2I_UNLEARN_CACHE', str(tmp_path / 'cache'))
    (tmp_path / 'cfg.toml').write_text(SMOKE_TOML)
    assert main(['run', '--config', str(tmp_path / 'cfg.toml'), '--out', str(tmp_path / 'D1')]) == 0
    assert main(['audit', '--config', str(tmp_path / 'cfg.toml'), '--out', str(tmp_path / 'D2'), '--regen-epochs', '1']) == 0
    run, audit = (tomllib.loads((tmp_path / d / 'config.toml').read_text()) for d in ('D1', 'D2'))
    for cfg, out in ((run, 'D1'), (audit, 'D2')):  # the file's options, and --out from the command line
        assert (cfg['quick'], cfg['device'], cfg['image_size'], cfg['epochs']) == (True, 'cpu', 16, 1), cfg
        assert cfg['methods'] == ['li2024:steps=5'] and cfg['out'] == str(tmp_path / out), cfg
    assert run['forget_classes'] == [0] and run['lr'] == 0.002 and 'world_size' not in run  # run's defaults, resolved
    assert audit['lr'] == 0.002  # --quick: the step size that survives two epochs, in both
    assert (audit['poison_fraction'], audit['batch_size'], audit['regen_epochs']) == (0.1, 64, 1)  # --quick sizes; the flag wins
    results = json.loads((tmp_path / 'D1' / 'results.json').read_text())
    assert set(results['models']) == {'original', 'retrain', 'li2024'} and results['config']['epochs'] == 1
    assert results['config']['methods'] == ['li2024:steps=5']
    report = json.loads((tmp_path / 'D2' / 'audit.json').read_text())
    assert report['config']['methods'] == {'li2024:steps=5': {'method': 'li2024', 'options': {'steps': 5}}}
    assert report['config']['epochs'] == 1 and len(report['regeneration']['li2024:steps=5']) == 1
    again = AuditConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in audit.items()})
    assert again == AuditConfig(quick=True, device='cpu', image_size=16, epochs=1, methods=('li2024:steps=5',),
                                out=str(tmp_path / 'D2'), regen_epochs=1).resolved()  # the written file is the resolved config



def test_audit_oracles_keeps_every_model_and_reports_realism(tmp_path, capsys):
    "Issue 15, item 1, for the audit: `--oracles 2` trains retrain and retrain_2, saves both, reports realism per model."
    from i2i_unlearn.audit import audit_legend, audit_table
    from i2i_unlearn.cli import main
    out = tmp_path / 'o'
    argv = ['audit', '--quick', '--device', 'cpu', '--epochs', '1', '--regen-epochs', '0', '--max-train', '400',
            '--oracles', '2', '--methods', 'li2024:steps=5', '--out', str(out)]
    assert main(argv) == 0
    saved = sorted(p.name for p in (out / 'models').glob('*.safetensors'))
    assert saved == ['li2024:steps=5.safetensors', 'original.safetensors', 'retrain.safetensors', 'retrain_2.safetensors'], saved
    rep = json.loads((out / 'audit.json').read_text())
    assert rep['oracles'] == ['retrain', 'retrain_2'] and rep['config']['oracles'] == 2
    for name, m in rep['models'].items():
        assert set(m['realism']) == {'triggered_queries', 'clean_queries', 'retain_test'}, name
        assert set(m['realism']['triggered_queries']) == {'oracle_distance', 'realism_ratio', 'forget_quality'}, name
    assert abs(rep['models']['retrain_2']['realism']['triggered_queries']['realism_ratio'] - 1) < 1e-9
    assert rep['models']['retrain']['trigger_effect_ratio'] == 1.0
    md = (out / 'audit.md').read_text()
    assert '| retrain_2 |' in md and 'trigger effect ratio' in md and 'triggered queries: distance' in md
    assert md.endswith(audit_legend(audit_table(rep))) and '- regen k:' not in md  # the legend; no regen columns
    assert 'oracles = 2' in (out / 'config.toml').read_text()
    capsys.readouterr()  # the run's progress messages
    err = _one_error_line(capsys, ['audit', '--quick', '--oracles', '0', '--out', str(tmp_path / 'o2')])
    assert '--oracles must be a positive integer (1, 2, ...' in err, err


def _one_error_line(capsys, argv):
    from i2i_unlearn.cli import main
    try: rc = main(argv)
    except SystemExit as e: rc = e.code
    err = capsys.readouterr().err
    assert rc == 2 and err.count('\n') == 1 and err.startswith('i2i-unlearn: error: '), (rc, err)
    return err


@pytest.mark.parametrize('cmd', ['run', 'audit', 'bench'])
def test_bad_config_key_is_one_line_exit_2(capsys, tmp_path, cmd):
    (tmp_path / 'cfg.toml').write_text(SMOKE_TOML.replace('epochs', 'epoch'))
    err = _one_error_line(capsys, [cmd, '--config', str(tmp_path / 'cfg.toml'), '--out', str(tmp_path / 'o')])
    assert "key 'epoch'; valid: dataset, " in err, err
    assert not (tmp_path / 'o').exists()


@pytest.mark.parametrize('cmd', ['run', 'audit'])
def test_bad_method_option_is_one_line_exit_2(capsys, tmp_path, cmd):
    (tmp_path / 'cfg.toml').write_text(SMOKE_TOML.replace('li2024:steps=5', 'decouple:margn=0.3'))
    err = _one_error_line(capsys, [cmd, '--config', str(tmp_path / 'cfg.toml'), '--out', str(tmp_path / 'o')])
    assert "unknown option 'margn' of method decouple; valid: " in err and 'margin' in err, err
    err = _one_error_line(capsys, [cmd, '--quick', '--methods', 'decouple:margin=wide', '--out', str(tmp_path / 'o')])
    assert "option 'margin' of method decouple takes a number; got 'wide'" in err, err
    assert not (tmp_path / 'o').exists()


def test_wrong_type_in_config_file_is_one_line_exit_2(capsys, tmp_path):
    (tmp_path / 'cfg.toml').write_text('epochs = 1.5\n')
    err = _one_error_line(capsys, ['run', '--config', str(tmp_path / 'cfg.toml')])
    assert "key 'epochs' takes an integer; got 1.5" in err, err


def test_readme_python_example_runs(tmp_path):
    "The README's Python block, as a reader copies it: it runs, and prints one scored line per model."
    readme = (Path(__file__).parent.parent / 'README.md').read_text().replace('\r\n', '\n')
    blocks = readme.split('```python\n')[1:]
    assert len(blocks) == 1, "the README should hold exactly one Python example"
    (tmp_path / 'example.py').write_text(blocks[0].split('```')[0])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, 'example.py'], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.strip().splitlines()
    assert [l.split(':')[0] for l in lines] == ['original', 'retrain', 'retrain_2', 'decouple'], r.stdout
    for l in lines:  # each: 'NAME: realism ratio X, forget quality Y, retain-test MSE Z', three finite numbers
        assert 'realism ratio' in l and 'forget quality' in l and 'retain-test MSE' in l, l
        nums = [float(v) for v in re.findall(r'\d+(?:\.\d+)?(?:e[-+]?\d+)?', l.split(':', 1)[1])]
        assert len(nums) == 3 and all(math.isfinite(v) and v >= 0 for v in nums), l
