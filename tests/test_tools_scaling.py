"tools/scaling.py (issue 19, item 1): bad input exits 2 with one line, and `summary` reads what the scale chapter renders."
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import scaling


def _run(*args):
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'scaling.py'), *args], capture_output=True, text=True)


def test_bad_sizes_exit_2(tmp_path):
    r = _run('--sizes', '7,x', '--out', str(tmp_path / 'o'))
    assert r.returncode == 2 and 'positive integers' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'o').exists()


def test_non_empty_out_is_kept(tmp_path):
    (tmp_path / 'keep.json').write_text('{}')
    r = _run('--sizes', '7', '--out', str(tmp_path))
    assert r.returncode == 2 and 'not empty' in r.stderr
    assert (tmp_path / 'keep.json').read_text() == '{}'


def test_summary_of_a_results_file():
    mse = lambda v: {'metrics': {'retain_test': {'mse': v}}, 'seconds': 1.}
    res = {'data': {'n_train': 10}, 'config': {'epochs': 2, 'device': 'cpu'},
           'models': {'original': mse(1.), 'retrain': mse(2.), 'retrain_2': mse(2.), 'decouple': mse(3.)},
           'cost_ratio': {'original': 1., 'retrain': 1., 'retrain_2': 1., 'decouple': .5},
           'realism': {'forget_test': {'decouple': {'realism_ratio': 1.2, 'forget_quality': .3}}}}
    s = scaling.summary(res)
    assert list(s['methods']) == ['decouple']  # the references are not methods
    assert s['methods']['decouple'] == dict(cost_ratio=.5, realism_ratio=1.2, ks_p=.3, retain_vs_oracle=1.5)
    assert json.loads(json.dumps(s)) == s
