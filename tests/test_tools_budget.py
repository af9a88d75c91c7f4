"tools/reference_budget.py: recipes parse or the command exits 2 with one line, before anything trains."
import subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from reference_budget import recipes, BENCHES


def _run(*args):
    cmd = [sys.executable, str(ROOT / 'tools' / 'reference_budget.py'), *args]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_recipes_parse():
    assert recipes('100:8e-3,50:2e-3') == [(100, 8e-3), (50, 2e-3)]
    for bad in ('100', '0:1e-3', '10:1.5', '10:x', ''):
        with pytest.raises(ValueError): recipes(bad)


@pytest.mark.parametrize('args, says', [(['--recipes', '100'], '--recipes is EPOCHS:LR'),
                                        (['--seeds', 'a'], '--seeds integers'),
                                        (['--models', 'retrain_3'], '--models from original, retrain, retrain_2'),
                                        (['--jobs', '0'], '--jobs a positive integer'),
                                        (['--jobs', 'x'], "argument --jobs: invalid int value"),
                                        (['--seeds', '0,0'], 'must not repeat a value'),
                                        (['--bench', 'audit'], "invalid choice: 'audit' (choose from 'class', 'canary')"),
                                        (['--out', '/nonexistent/b.json'], "does not exist")])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    out = tmp_path / 'budget.json'
    r = _run('--out', str(out), *args)  # a later --out wins
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def test_benches_are_valid_run_options():
    from i2i_unlearn.core import RunConfig
    test = {k: RunConfig(**v) for k, v in BENCHES.items()}
    assert (test['canary'].dataset, test['canary'].forget_classes) == ('fashion-canaries', (10,))
    assert (test['class'].dataset, test['class'].forget_classes) == ('fashion-mnist-10k', (0,))
