"""Real-world data and inputs (issue 18): the situations people report, each generated here as a small
input, with the right behaviour as the expected value. Bad input: exit code 2, one line, no traceback;
nothing written is lost; results files are strict JSON.

Run alone: `OMP_NUM_THREADS=1 pytest -q tests/test_real_world.py` (about 2 minutes on one core)."""
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

pytestmark = pytest.mark.xdist_group('real_world')

from i2i_unlearn import data as D
from i2i_unlearn.cli import main
from i2i_unlearn.core import RunConfig, UserError, write_json
from i2i_unlearn.experiments import health_warnings, initial_model, prepare_out, results_table, weights_check
from i2i_unlearn.models import MAE, build_model, to_official_name

ENV = dict(os.environ, OMP_NUM_THREADS='1', IN_TEST='1')
FAST = ['--quick', '--image-size', '16', '--device', 'cpu', '--methods', 'decouple']

def tree(root, classes=('a', 'b'), n=6, size=(20, 24)):
    "An ImageFolder tree of small random RGB PNGs."
    for k, c in enumerate(classes):
        (Path(root) / c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            px = np.random.default_rng(100 * k + i).integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(px).save(Path(root) / c / f'{i:02d}.png')
    return Path(root)

def run_cli(capsys, argv):
    "`main(argv)` in this process: (exit code, stderr lines); never a traceback."
    try: rc = main(argv)
    except SystemExit as e: rc = e.code
    err = capsys.readouterr().err
    assert err.count('Traceback') == 0, err
    return rc, [l for l in err.splitlines() if l.strip()]

def one_error(capsys, argv, *needles):
    "Exit 2 and exactly one error line holding every needle."
    rc, lines = run_cli(capsys, argv)
    errs = [l for l in lines if l.startswith('i2i-unlearn: error:')]
    assert rc == 2 and len(errs) == 1, (rc, lines)
    for n in needles: assert n in errs[0], (n, errs[0])
    return lines

# ------------------------------------------------------------------ fault 1: unreadable files
def broken_tree(root):
    r = tree(root)
    good = (r / 'a' / '00.png').read_bytes()
    (r / 'a' / '._00.png').write_bytes(b'\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X')  # AppleDouble
    jpg = r / 'b' / 'cut.jpg'
    Image.open(r / 'b' / '00.png').save(jpg, quality=90)
    jpg.write_bytes(jpg.read_bytes()[:len(jpg.read_bytes()) // 2])  # an interrupted copy
    (r / 'b' / 'empty.jpg').write_bytes(b'')
    return r

def test_unreadable_files_skipped_with_one_warning(capsys, tmp_path):
    r = broken_tree(tmp_path / 'd')
    # stop the run right after loading (class 7 does not exist): the warning, then the error, one line each
    lines = one_error(capsys, ['run', *FAST, '--dataset', 'folder', '--data-root', str(r), '--forget-classes', '7', '--out', str(tmp_path / 'o')],
                      'forget class 7 out of range')
    warn = [l for l in lines if 'warning' in l]
    assert len(warn) == 1 and 'skipped 2 unreadable image files of 14' in warn[0] and 'cut.jpg' in warn[0] and 'empty.jpg' in warn[0], lines
    assert '._00.png' not in warn[0]  # hidden: never an image, not even tried

def test_strict_data_names_the_first_file(capsys, tmp_path):
    r = broken_tree(tmp_path / 'd')
    one_error(capsys, ['run', *FAST, '--dataset', 'folder', '--data-root', str(r), '--strict-data', '--out', str(tmp_path / 'o')],
              'cut.jpg', '--strict-data')
    assert not (tmp_path / 'o').exists()

def test_strict_data_subprocess_no_traceback(tmp_path):
    r = broken_tree(tmp_path / 'd')
    p = subprocess.run([sys.executable, '-m', 'i2i_unlearn', 'run', *FAST, '--dataset', 'folder', '--data-root', str(r), '--strict-data',
                        '--out', str(tmp_path / 'o')], capture_output=True, text=True, env=ENV)
    assert p.returncode == 2 and p.stderr.count('Traceback') == 0 and p.stderr.count('\n') == 1, p.stderr

# ------------------------------------------------------------------ fault 2: every mode and bit depth
RAMP = np.linspace(0, 1, 48 * 48).reshape(48, 48)

def _save(mode, path):
    "The ramp saved in `mode`; returns the mean the decoded image must have."
    if mode == 'I;16': Image.fromarray((RAMP * 65535).astype(np.uint16)).save(path)
    elif mode == 'I': Image.fromarray((RAMP * 65535).astype(np.int32)).save(path)
    elif mode == 'F': Image.fromarray(RAMP.astype(np.float32)).save(path)
    elif mode == 'F-metres': Image.fromarray((RAMP * 80 + 3).astype(np.float32)).save(path)  # a depth map: stretched by its own range
    elif mode == 'LA': Image.merge('LA', [Image.fromarray((RAMP * 255).astype(np.uint8))] * 2).save(path)
    elif mode == 'P': Image.fromarray((RAMP * 255).astype(np.uint8)).convert('RGB').quantize(64).save(path)
    elif mode == 'CMYK': Image.fromarray((RAMP * 255).astype(np.uint8)).convert('RGB').convert('CMYK').save(path, quality=95)
    elif mode == 'L': Image.fromarray((RAMP * 255).astype(np.uint8)).save(path, quality=95)
    elif mode == 'RGBA': Image.fromarray((RAMP * 255).astype(np.uint8)).convert('RGBA').save(path)
    elif mode == '1': Image.fromarray(RAMP > 0.5).save(path)
    return 0.5

@pytest.mark.parametrize('mode, suffix', [('I;16', 'png'), ('I', 'tif'), ('F', 'tif'), ('F-metres', 'tif'), ('LA', 'png'), ('P', 'png'),
                                          ('CMYK', 'jpg'), ('L', 'jpg'), ('RGBA', 'png'), ('1', 'png')])
def test_every_mode_maps_to_unit_range(tmp_path, mode, suffix):
    p = tmp_path / f'x.{suffix}'
    want = _save(mode, p)
    x = D.decode_image(p, 16)
    assert x.shape == (3, 16, 16) and x.min() >= 0 and x.max() <= 1
    assert abs(x.mean().item() - want) < 0.03, (mode, Image.open(p).mode, x.mean().item())

def test_16bit_ramp_was_white_before(tmp_path):
    "The old path (Pillow's RGB conversion) gave 0.998 on this ramp; the fix gives 0.5."
    _save('I;16', tmp_path / 'r.png')
    assert np.asarray(Image.open(tmp_path / 'r.png').convert('RGB')).mean() / 255 > 0.99
    assert abs(D.decode_image(tmp_path / 'r.png', 16).mean().item() - 0.5) < 0.01

# ------------------------------------------------------------------ fault 3: resume after the data changed
def test_resume_refuses_changed_data(capsys, tmp_path):
    r, out = tree(tmp_path / 'd'), tmp_path / 'o'
    args = [*FAST, '--dataset', 'folder', '--data-root', str(r)]
    cfg = RunConfig(dataset='folder', data_root=str(r), quick=True, image_size=16, device='cpu', methods=('decouple',), out=str(out))
    prepare_out(cfg, fingerprint=D.load('folder', 16, root=str(r)).fingerprint())  # what a finished run leaves
    assert json.loads((out / 'config.json').read_text())['data_fingerprint']['classes'] == ['a', 'b']
    tree(r, classes=('0_new',))  # a class that sorts first: "class 0" would now mean another class
    one_error(capsys, ['run', *args, '--resume', '--out', str(out)], 'other data', 'classes', 'another --out')
    assert sorted(p.name for p in out.iterdir()) == ['config.json']

# ------------------------------------------------------------------ fault 4: weights that predict something else
class Scaled(torch.nn.Module):
    "x -> a * x: a = 1 is a perfect reconstruction, a = 50 what per-patch normalised outputs look like."
    def __init__(self, a): super().__init__(); self.a = torch.nn.Parameter(torch.tensor(float(a)))
    def forward(self, x): return self.a * x

def test_weights_check_against_the_fill_baseline():
    x = D.load('fashion-mnist-10k', 16).images[:16]
    for task in (D.Task('recon'), D.Task('inpaint')):
        assert not weights_check(Scaled(50), x, task)['ok']
    assert weights_check(Scaled(1), x, D.Task('recon'))['ok']

def official_tiny(path, encoder_only=False, seed=123):
    torch.manual_seed(seed); m = MAE(16)
    sd = {to_official_name(k): v for k, v in m.state_dict().items() if not (encoder_only and k.startswith('decoder.'))}
    torch.save({'model': {**sd, **({} if encoder_only else {'mask_token': torch.zeros(1, 1, 64)})}}, path)
    return path

def test_untrained_weights_warned_in_one_line(capsys, tmp_path):
    w = official_tiny(tmp_path / 'mae_pretrain_tiny_full.pth')  # random weights: worse than the fill, like a norm_pix_loss file
    out = tmp_path / 'o'; out.mkdir(); (out / 'mine.txt').write_text('x')  # a busy --out stops the run after the checks
    lines = one_error(capsys, ['run', *FAST, '--model', 'mae', '--weights', str(w), '--epochs', '0', '--out', str(out)], 'not empty')
    warn = [l for l in lines if 'warning' in l]
    assert len(warn) == 1 and 'worse than filling' in warn[0] and 'norm_pix_loss' in warn[0] and '--epochs' in warn[0], lines

# ------------------------------------------------------------------ fault 5 and 9: strict JSON, small splits, divergence
def test_write_json_is_strict(tmp_path):
    p = write_json(tmp_path / 'r.json', {'m': {'fid_local': float('nan'), 'auc': float('-inf')}})
    r = json.loads(p.read_text(), parse_constant=lambda c: pytest.fail(f'{c} token in JSON'))
    assert r['m'] == {'fid_local': None, 'auc': None} and set(r['null_reasons']) == {'m.fid_local', 'm.auc'}

def test_health_warnings_and_table_marks():
    res = {'models': {n: {'seconds': 1., 'metrics': {s: {'mse': v, 'fid_local': None, 'ood_rate': 0.} for s in ('forget_test', 'retain_test')}}
                      for n, v in (('original', 244.), ('retrain', 0.3), ('decouple', 0.01))},
           'retrain_gap': {n: {'forget_test_mse': None, 'retain_test_mse': 0.} for n in ('original', 'retrain', 'decouple')},
           'cost_ratio': {'original': 1., 'retrain': 1., 'decouple': float('nan')}, 'mia': {n: {'auc': None} for n in ('original', 'retrain', 'decouple')}}
    h = health_warnings(res, start_mse=0.1)
    assert set(h) == {'original', 'retrain'} and 'leave [0, 1]' in h['original'] and 'above the untrained' in h['retrain']
    for n, w in h.items(): res['models'][n]['warnings'] = [w]
    t = results_table(res)
    assert '| original (!) |' in t and '| decouple |' in t and '| - |' in t

@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    "A whole run on 2 classes x 6 images with --lr 0.9: forget-test holds 1 image, and training diverges."
    d = tmp_path_factory.mktemp('tiny')
    r, out = tree(d / 'data'), d / 'o'
    p = subprocess.run([sys.executable, '-m', 'i2i_unlearn', 'run', *FAST, '--dataset', 'folder', '--data-root', str(r), '--lr', '0.9',
                        '--out', str(out)], capture_output=True, text=True, env=ENV)
    return p, out

def test_tiny_split_strict_json(tiny_run):
    p, out = tiny_run
    assert p.returncode == 0 and 'Traceback' not in p.stderr, p.stderr[-3000:]
    res = json.loads((out / 'results.json').read_text(), parse_constant=lambda c: pytest.fail(f'{c} token in results.json'))
    assert any('forget_test has 1 image' in w for w in res['warnings']), res['warnings']
    assert all(v is None for k, v in _flat(res).items() if k in res.get('null_reasons', {}))
    assert res['data_fingerprint']['classes'] == ['a', 'b'] and res['data_fingerprint']['n_files'] == 12

def test_divergence_recorded_and_marked(tiny_run):
    p, out = tiny_run
    res = json.loads((out / 'results.json').read_text())
    assert res['models']['original'].get('warnings'), {n: m['metrics']['retain_test']['mse'] for n, m in res['models'].items()}
    assert '| original (!) |' in (out / 'results.md').read_text()

def _flat(d, pre=''):
    out = {}
    for k, v in (d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()):
        key = f'{pre}.{k}' if pre else str(k)
        out.update(_flat(v, key) if isinstance(v, (dict, list)) else {key: v})
    return out

# ------------------------------------------------------------------ fault 6: hints name what can be typed
def test_encoder_only_hint_and_partial_weights(capsys, tmp_path):
    w = official_tiny(tmp_path / 'mae_pretrain_tiny.pth', encoder_only=True)
    one_error(capsys, ['run', *FAST, '--model', 'mae', '--weights', str(w), '--out', str(tmp_path / 'o')], '--partial-weights')
    m = initial_model(RunConfig(model='mae', image_size=16, weights=str(w), partial_weights=True, device='cpu'))
    assert m.weights_report['missing'] and all(k.startswith('decoder.') for k in m.weights_report['missing'])

# ------------------------------------------------------------------ fault 7: hidden and empty class folders
def test_hidden_folders_ignored_and_empty_class_named(capsys, tmp_path):
    r = tree(tmp_path / 'd')
    (r / '.ipynb_checkpoints').mkdir(); (r / '.ipynb_checkpoints' / 'x-checkpoint.png').write_bytes((r / 'a' / '00.png').read_bytes())
    ds = D.load('folder', 16, root=str(r))
    assert ds.classes == ['a', 'b'] and len(ds) == 12
    (r / 'empty_class').mkdir()
    one_error(capsys, ['run', *FAST, '--dataset', 'folder', '--data-root', str(r), '--out', str(tmp_path / 'o')], "'empty_class'")

# ------------------------------------------------------------------ fault 8: audit and bench: data options, nothing replaced
@pytest.mark.parametrize('cmd', [['audit', '--quick'], ['bench', '--quick']])
def test_audit_bench_take_data_options_and_keep_out(capsys, tmp_path, cmd):
    out = tmp_path / 'o'; out.mkdir(); (out / f'{cmd[0]}.json').write_text('{"earlier": true}')
    one_error(capsys, [*cmd, '--out', str(out)], 'not empty', '--overwrite')
    assert (out / f'{cmd[0]}.json').read_text() == '{"earlier": true}'
    one_error(capsys, [*cmd, '--dataset', 'folder', '--data-root', str(tmp_path / 'missing'), '--overwrite', '--out', str(out)], 'is not a folder')
    broken = broken_tree(tmp_path / 'd')
    one_error(capsys, [*cmd, '--dataset', 'folder', '--data-root', str(broken), '--strict-data', '--out', str(tmp_path / 'o2')], 'cut.jpg')

# ------------------------------------------------------------------ fault 10: size (issue 19: folder sets stream now)
def test_streaming_folder_has_no_size_limit_and_in_memory_refuses_before_decoding(tmp_path, monkeypatch):
    r = tree(tmp_path / 'd')
    monkeypatch.setattr(D, 'memory_limit', lambda: 10_000)
    ds = D.load('folder', 16, root=str(r))  # streams: paths and positions, no size check
    assert isinstance(ds.images, D.FolderImages) and len(ds) == 12
    monkeypatch.setattr(D, 'decode_image', lambda *a: pytest.fail('decoded before the size check'))
    with pytest.raises(D.UserError, match='--max-per-class'): D.load('folder', 16, root=str(r), in_memory=True)

# ------------------------------------------------------------------ situations that already worked: keep them working
def test_odd_but_fine_files_load(tmp_path):
    "CMYK and grey JPEGs, PNG bytes under a .JPEG name, palette and RGBA PNGs, unicode class names; .DS_Store, Thumbs.db, text ignored."
    r = tree(tmp_path / 'd', classes=('chat_é', '狗'), n=2)
    c = r / 'chat_é'
    Image.open(c / '00.png').convert('CMYK').save(c / 'cmyk.jpg'); Image.open(c / '00.png').convert('L').save(c / 'grey.jpg')
    (c / 'png_bytes.JPEG').write_bytes((c / '01.png').read_bytes())
    Image.open(c / '00.png').quantize(16).save(c / 'pal.png'); Image.open(c / '00.png').convert('RGBA').save(c / 'rgba.png')
    for junk in ('.DS_Store', 'Thumbs.db', 'README.txt'): (c / junk).write_bytes(b'junk')
    ds = D.load('folder', 16, root=str(r))
    assert ds.classes == ['chat_é', '狗'] and len(ds) == 9 and ds.source['n_skipped'] == 0

def test_official_checkpoint_variants(tmp_path):
    "A `module.` prefix and another resolution load; a training checkpoint with `args` and Hugging Face names are one-line refusals."
    import argparse
    torch.manual_seed(0); src = MAE(16)
    sd = {'module.' + to_official_name(k): v for k, v in src.state_dict().items()}
    torch.save({'model': sd}, tmp_path / 'ddp.pth')
    assert build_model('mae', 32, weights=tmp_path / 'ddp.pth').weights_report['resized']
    torch.save({'model': sd, 'args': argparse.Namespace(lr=1)}, tmp_path / 'train.pth')
    with pytest.raises(UserError, match='Python objects other than tensors'): build_model('mae', 16, weights=tmp_path / 'train.pth')
    torch.save({'vit.embeddings.cls_token': torch.zeros(1, 1, 64)}, tmp_path / 'hf.bin')
    with pytest.raises(UserError, match='none of its 1 tensors'): build_model('mae', 16, weights=tmp_path / 'hf.bin')

def test_metrics_edge_cases_are_finite():
    "FID on constant images, and SSIM with a window larger than the image."
    from i2i_unlearn import metrics
    x = torch.rand(4, 3, 8, 8)
    assert torch.isfinite(metrics.ssim(x, x.clamp(0, 0.9), torch.ones(1, 1, 8, 8))).all()
    torch.manual_seed(0); c = torch.full((6, 3, 16, 16), 0.5)
    assert np.isfinite(metrics.fid_local(c, c.clone(), metrics.FeatureNet(10)))
