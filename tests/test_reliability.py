"""Reliability (issue 9): one-line user errors with exit code 2, nothing lost, safe checkpoints,
bit-identical resume after `kill -9`, non-finite losses and odd forget sets.

Run alone: `OMP_NUM_THREADS=1 pytest tests/test_reliability.py` (about 2-3 minutes on one CPU core)."""
import hashlib, json, os, shutil, signal, subprocess, sys, time, warnings
from pathlib import Path

import pytest

# module-scoped fixtures: keep this file on one xdist worker (pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group('reliability')
import torch

from i2i_unlearn.cli import main
from i2i_unlearn.core import UserError, load_checkpoint, save_checkpoint
from i2i_unlearn.data import ImageSet, Task, load, make_splits
from i2i_unlearn.models import build_model
from i2i_unlearn.unlearn import unlearn

ENV = dict(os.environ, OMP_NUM_THREADS='1', IN_TEST='1')
FAST = ['--quick', '--image-size', '16', '--device', 'cpu', '--seed', '0', '--methods', 'decouple,li2024']

def cli(args, out):
    "`python -m i2i_unlearn run ARGS --out OUT` in a subprocess."
    return subprocess.run([sys.executable, '-m', 'i2i_unlearn', 'run', *args, '--out', str(out)], capture_output=True, text=True, env=ENV)

def kill_at(args, out, marker, poll=0.005) -> bool:
    "Start a run, SIGKILL it as soon as `out/marker` exists; True if it was killed (not finished or failed before)."
    p = subprocess.Popen([sys.executable, '-m', 'i2i_unlearn', 'run', *args, '--out', str(out)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    while p.poll() is None and not (Path(out) / marker).exists(): time.sleep(poll)
    alive = p.poll() is None
    if alive: p.send_signal(signal.SIGKILL)
    p.wait()
    return alive

def numbers(out) -> dict:
    "results.json without what depends on the clock (seconds, cost ratios)."
    r = json.loads((Path(out) / 'results.json').read_text())
    for m in r['models'].values(): m.pop('seconds')
    r.pop('cost_ratio'); r['config'].pop('out')  # the folder differs by design
    return r

def sha(p): return hashlib.sha256(Path(p).read_bytes()).hexdigest()

def one_line_error(capsys, argv, *needles):
    "Run `main(argv)`; assert exit 2 and a single stderr line that holds every needle."
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, (argv, rc, err)
    lines = [l for l in err.splitlines() if not l.startswith('data ')]
    assert len(lines) == 1 and lines[0].startswith('i2i-unlearn: error:'), err
    assert 'Traceback' not in err
    for n in needles: assert n in lines[0], (n, lines[0])
    return lines[0]

# ---------------------------------------------------------------- 1. user errors
@pytest.fixture
def out(tmp_path): return str(tmp_path / 'run')

@pytest.mark.parametrize('argv, needles', [
    (['--dataset', 'nope'], ['unknown dataset', 'fashion-mnist-10k', 'cifar10']),
    (['--model', 'nope'], ['unknown model', 'conv_ae', 'unet']),
    (['--task', 'nope'], ['unknown task', 'recon', 'inpaint', 'outpaint']),
    (['--methods', 'decouple,nope'], ['unknown method', 'decouple', 'li2024']),
    (['--forget-classes', '12'], ['forget class 12 out of range', 'valid: 0..9']),
    (['--forget-classes', '-1'], ['non-negative']),
    (['--forget-classes', 'a,b'], ['comma-separated class numbers']),
    (['--forget-classes', '0,1,2,3,4,5,6,7,8,9'], ['cannot forget all 10 classes', 'at most 9']),
    (['--mask-ratio', '1.5'], ['mask_ratio', '(0, 1)']),
    (['--mask-ratio', '0'], ['mask_ratio', '(0, 1)']),
    (['--dataset', 'folder', '--data-root', '/nonexistent/i2i'], ['is not a folder', 'expected layout']),
    (['--dataset', 'folder'], ['is not a folder', 'expected layout']),
    (['--forget-samples', '100000'], ['too many', 'valid: 1..']),
    (['--forget-samples', '0'], ['positive count']),
    (['--forget-samples', '/nonexistent/idx.txt'], ['not found']),
    (['--device', 'tpu'], ['unknown device', 'cpu']),
    (['--seed', '-3'], ['seed', 'non-negative']),
    (['--epochs', '0'], ['epochs', 'positive integer']),
    (['--image-size', '4'], ['image_size', 'at least 8']),
])
def test_user_errors(capsys, out, argv, needles):
    one_line_error(capsys, ['run', '--quick', '--out', out, *argv], *needles)
    assert not Path(out).exists() or not any(Path(out).iterdir())  # a failed start leaves nothing that blocks the next

def test_too_few_samples(capsys, tmp_path):
    from PIL import Image
    root = tmp_path / 'tiny'
    for c in ('a', 'b'):
        (root / c).mkdir(parents=True)
        for i in range(2): Image.new('RGB', (8, 8), (40 * i, 90, 200)).save(root / c / f'{i}.png')
    one_line_error(capsys, ['run', '--quick', '--dataset', 'folder', '--data-root', str(root), '--out', str(tmp_path / 'o')], 'too few samples')
    empty = tmp_path / 'empty'; (empty / 'a').mkdir(parents=True)
    one_line_error(capsys, ['run', '--quick', '--dataset', 'folder', '--data-root', str(empty), '--out', str(tmp_path / 'o')], 'no images found')
    assert not (tmp_path / 'o').exists()

def test_error_subprocess_no_traceback(tmp_path):
    r = cli(['--dataset', 'nope'], tmp_path / 'o')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr and 'valid:' in r.stderr, r.stderr

# ---------------------------------------------------------------- 2. nothing lost
def test_nonempty_out_refused(capsys, tmp_path):
    out = tmp_path / 'o'; out.mkdir(); (out / 'notes.txt').write_text('mine')
    one_line_error(capsys, ['run', '--quick', '--out', str(out)], 'not empty', '--resume', '--overwrite')
    assert (out / 'notes.txt').read_text() == 'mine' and sorted(p.name for p in out.iterdir()) == ['notes.txt']
    f = tmp_path / 'file'; f.write_text('x')
    one_line_error(capsys, ['run', '--quick', '--out', str(f)], 'not a folder')
    assert f.read_text() == 'x'

def test_resume_with_other_options_refused(capsys, tmp_path):
    from i2i_unlearn.core import RunConfig
    from i2i_unlearn.experiments import prepare_out
    out = tmp_path / 'o'
    prepare_out(RunConfig(out=str(out), quick=True, seed=0))
    one_line_error(capsys, ['run', '--quick', '--seed', '1', '--resume', '--out', str(out)], 'seed differ')

# ---------------------------------------------------------------- 3. safe checkpoints
def test_checkpoints(tmp_path):
    m = build_model('conv_ae', 16)
    p = save_checkpoint(tmp_path / 'm.safetensors', m.state_dict(), step=3)
    t, meta = load_checkpoint(p)
    assert meta['step'] == 3 and all(torch.equal(t[k], v) for k, v in m.state_dict().items())
    assert not list(tmp_path.glob('.*.tmp'))  # atomic: no temporary left over
    torch.save(m.state_dict(), tmp_path / 'm.pt')
    with pytest.raises(UserError, match='refusing pickle'): load_checkpoint(tmp_path / 'm.pt')
    with pytest.raises(UserError, match='must end in .safetensors'): save_checkpoint(tmp_path / 'm.pt', m.state_dict())
    b = bytearray(p.read_bytes()); b[-5] ^= 0xFF; p.write_bytes(bytes(b))
    with pytest.raises(UserError, match='sha256'): load_checkpoint(p)
    with pytest.raises(UserError, match='not found'): load_checkpoint(tmp_path / 'missing.safetensors')

# ---------------------------------------------------------------- 4. resume after kill -9 (and 2, 3 through the run path)
@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "An uninterrupted run, and the same run killed three times and resumed."
    d = tmp_path_factory.mktemp('resume')
    ref, chain = d / 'ref', d / 'chain'
    r = cli(FAST, ref); assert r.returncode == 0, r.stderr[-2000:]
    killed = {}
    for marker in ('original.train.safetensors.json',  # during the original's 2nd epoch
                   'retrain.train.safetensors',  # during retraining (possibly between checkpoint and sidecar)
                   'methods/decouple.safetensors.json'):  # during li2024 or the evaluation
        killed[marker] = kill_at(FAST + ['--resume'], chain, marker)
        if marker == 'retrain.train.safetensors':  # the original is final now; later runs must not touch it
            orig = (sha(chain / 'original.safetensors'), (chain / 'original.safetensors').stat().st_mtime_ns)
    (chain / 'notes.txt').write_text('mine')
    r = cli(FAST + ['--resume'], chain); assert r.returncode == 0, r.stderr[-2000:]
    return dict(ref=ref, chain=chain, killed=killed, orig=orig)

def test_resume_bit_identical(runs):
    assert all(runs['killed'].values()), runs['killed']
    a, b = numbers(runs['ref']), numbers(runs['chain'])
    assert a == b
    for f in ('original', 'retrain', 'methods/decouple', 'methods/li2024'):
        assert sha(runs['ref'] / f'{f}.safetensors') == sha(runs['chain'] / f'{f}.safetensors'), f

def test_original_never_rewritten_and_user_files_kept(runs):
    chain = runs['chain']
    assert (sha(chain / 'original.safetensors'), (chain / 'original.safetensors').stat().st_mtime_ns) == runs['orig']
    assert (chain / 'notes.txt').read_text() == 'mine'
    assert list(json.loads((chain / 'results.json').read_text())['models']) == ['original', 'retrain', 'decouple', 'li2024']

def test_corrupt_original_under_resume(capsys, runs, tmp_path):
    out = tmp_path / 'c'; shutil.copytree(runs['ref'], out)
    p = out / 'original.safetensors'; b = bytearray(p.read_bytes()); b[len(b) // 2] ^= 0xFF; p.write_bytes(bytes(b))
    one_line_error(capsys, ['run', *FAST, '--resume', '--out', str(out)], 'original.safetensors', 'sha256')

def test_unfinished_train_checkpoint_restarts(tmp_path):
    "A kill between a training checkpoint and its sidecar: resume restarts training instead of failing."
    from i2i_unlearn.train import train_model
    x = load('fashion-mnist-10k', 16).images[:64]
    def fresh(): torch.manual_seed(0); return build_model('conv_ae', 16)
    a = fresh(); train_model(a, x, Task('recon'), epochs=2, batch_size=32, seed=0)
    ck = tmp_path / 't.safetensors'
    def killed(epoch, model): raise KeyboardInterrupt  # stands in for kill -9 after the first epoch's checkpoint
    def first_epoch():
        with pytest.raises(KeyboardInterrupt): train_model(fresh(), x, Task('recon'), epochs=2, batch_size=32, seed=0, ckpt_path=ck, on_epoch=killed)
    first_epoch()
    (tmp_path / 't.safetensors.json').unlink()
    c = fresh()
    with pytest.warns(UserWarning, match='no matching sidecar'):
        log = train_model(c, x, Task('recon'), epochs=2, batch_size=32, seed=0, ckpt_path=ck, resume=True)
    assert log.resumed_from == 0 and all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))
    first_epoch()
    e = fresh(); log = train_model(e, x, Task('recon'), epochs=2, batch_size=32, seed=0, ckpt_path=ck, resume=True)
    assert log.resumed_from == 1 and all(torch.equal(p, q) for p, q in zip(a.parameters(), e.parameters()))

# ---------------------------------------------------------------- 5. faults and odd input
@pytest.fixture(scope='module')
def small():
    ds = load('fashion-mnist-10k', 16)
    return ds, make_splits(ds, forget_classes=(0,), seed=0, max_train=300)

def finite(m): return all(torch.isfinite(p).all() for p in m.parameters())

def test_nonfinite_ascent_stops_with_last_good_state(small):
    _, sp = small
    m = build_model('conv_ae', 16)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        r = unlearn(m, sp, 'max_loss', Task('recon'), steps=10, lr=1e6, alpha=1e6)
    assert r.log['stop'] == 'non-finite' and finite(r.model)
    r = unlearn(m, sp, 'decouple', Task('recon'), lr_ascent=1e30, max_ascent_steps=5, retain_steps=2)
    assert finite(r.model) and r.certificate['measured']['ascent_stop'][-1] in ('non-finite', 'target')
    r = unlearn(m, sp, 'max_loss', Task('recon'), steps=3)
    assert r.log['stop'] == 'steps' and r.log['steps'] == 3

def test_bad_pixels():
    x = torch.rand(4, 3, 8, 8); y = torch.zeros(4, dtype=torch.long)
    bad = x.clone(); bad[0, 0, 0, 0] = float('nan')
    with pytest.raises(UserError, match='NaN'): ImageSet(bad, y, ['a'], 'nan')
    bad = x.clone(); bad[1, 1, 1, 1] = float('inf')
    with pytest.raises(UserError, match='NaN or infinite'): ImageSet(bad, y, ['a'], 'inf')
    with pytest.raises(UserError, match=r'outside \[0, 1\]'): ImageSet(x * 255, y, ['a'], 'bytes')
    with pytest.raises(UserError, match='shape'): ImageSet(x[:, :1], y, ['a'], 'grey')

@pytest.mark.parametrize('kind', ['one image', 'half the data', 'all classes but one'])
def test_odd_forget_sets(small, kind):
    ds, _ = small
    n_train = len(make_splits(ds, forget_samples=1, seed=0, max_train=300).train)
    kw = {'one image': dict(forget_samples=1), 'half the data': dict(forget_samples=n_train // 2),
          'all classes but one': dict(forget_classes=tuple(range(9)))}[kind]
    sp = make_splits(ds, seed=0, max_train=300, **kw)
    if kind == 'one image': assert len(sp.forget_train) == 1
    m = build_model('conv_ae', 16)
    for meth, opts in (('decouple', dict(retain_steps=2, max_ascent_steps=3)), ('li2024', dict(steps=2))):
        r = unlearn(m, sp, meth, Task('recon'), **opts)
        assert finite(r.model)
