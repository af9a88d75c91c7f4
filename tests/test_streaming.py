"Folder data sets stream (issue 19, item 3): a quick run on the lazy `FolderImages` path gives the numbers of the in-memory path."
import functools, json, math
import numpy as np
import pytest
from PIL import Image

import i2i_unlearn.data as D


def _tree(root, classes=('ant', 'bee', 'cow'), n=40, side=64):
    "Seeded random 64-px PNGs, one folder per class."
    g = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(n): Image.fromarray(g.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(root / c / f'{i:05d}.png')
    return root


def _run(tmp_path, tree, name, monkeypatch, in_memory):
    from i2i_unlearn.cli import main
    monkeypatch.setenv('I2I_UNLEARN_CACHE', str(tmp_path / f'cache_{name}'))
    if in_memory: monkeypatch.setitem(D.DATASETS, 'folder', functools.partial(D.load_folder, in_memory=True))
    else: monkeypatch.setitem(D.DATASETS, 'folder', D.load_folder)
    out = tmp_path / name
    args = ['run', '--quick', '--dataset', 'folder', '--data-root', str(tree), '--forget-classes', '0', '--image-size', '32',
            '--methods', 'decouple,li2024', '--device', 'cpu', '--out', str(out)]
    assert main(args) == 0
    return json.loads((out / 'results.json').read_text())


def _numbers(res):
    "Everything a run measured except wall-clock times."
    keep = {k: res[k] for k in ('data', 'lambda_eval', 'mia', 'realism', 'retrain_gap', 'data_fingerprint')}
    keep['metrics'] = {n: m['metrics'] for n, m in res['models'].items()}
    return keep


def test_lazy_run_equals_in_memory_run(tmp_path, monkeypatch):
    tree = _tree(tmp_path / 'tree')
    seen = []
    orig = D.load_folder
    monkeypatch.setattr(D, 'load_folder', lambda *a, **k: seen.append(orig(*a, **k)) or seen[-1])
    lazy = _run(tmp_path, tree, 'lazy', monkeypatch, in_memory=False)
    mem = _run(tmp_path, tree, 'mem', monkeypatch, in_memory=True)
    assert isinstance(seen[0].images, D.FolderImages)  # the run read the streaming set
    assert _numbers(lazy) == _numbers(mem)  # bit-identical: same pixels, same order, same arithmetic


def test_folder_set_holds_paths_not_pixels(tmp_path):
    tree = _tree(tmp_path / 'tree', n=5)
    ds = D.load('folder', 32, root=str(tree))
    x = ds.images
    assert isinstance(x, D.FolderImages) and x.shape == (15, 3, 32, 32)
    assert not any(hasattr(v, 'shape') and len(getattr(v, 'shape')) > 1 for v in vars(x).values())
    ref = D.load('folder', 32, root=str(tree), in_memory=True).images
    assert (x[:] == ref).all() and (x[np.array([4, 0])] == ref[[4, 0]]).all()
