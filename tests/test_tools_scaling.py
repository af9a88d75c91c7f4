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
    res['convergence'] = {'retrain': {'heldout_loss': [3., 2.], 'converged': False, 'improvement': .3}}
    res['models']['decouple']['certificate'] = {'measured': {'route': {'route': 'deep'}, 'retention_steps': [600],
                                                             'ascent_steps': [4]}}
    s = scaling.summary(res)
    assert s['convergence'] == {'retrain': {'converged': False, 'improvement': .3}}  # the curve stays in results.json
    assert s['decouple_route'] == 'deep' and s['decouple_steps'] == dict(ascent=[4], retention=[600])
    assert list(s['methods']) == ['decouple']  # the references are not methods
    assert s['methods']['decouple'] == dict(cost_ratio=.5, realism_ratio=1.2, ks_p=.3, retain_vs_oracle=1.5)
    assert json.loads(json.dumps(s)) == s


def test_epochs_one_or_one_per_size(tmp_path):
    assert scaling.epochs_per_size(None, [1, 2]) == [None, None]
    assert scaling.epochs_per_size('5', [1, 2]) == [5, 5]
    assert scaling.epochs_per_size('9,4', [1, 2]) == [9, 4]
    for bad in ('1,2,3', '0', 'x'):
        r = _run('--sizes', '7,8', '--epochs', bad, '--out', str(tmp_path / 'o'))
        assert r.returncode == 2 and 'one per size' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'o').exists()


def test_concurrent_sizes_all_recorded(tmp_path):
    "--jobs 2 with a stand-in CLI that fails: every size gets its row (exit code kept), in size order."
    import os
    (tmp_path / 'fail.py').write_text('import sys; sys.exit(3)')
    env = dict(os.environ, I2I_UNLEARN_CLI=f'{sys.executable} {tmp_path / "fail.py"}')
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'scaling.py'), '--sizes', '5,9,7', '--epochs', '1,2,3',
                        '--jobs', '2', '--out', str(tmp_path / 'o')], capture_output=True, text=True, env=env)
    rows = json.loads((tmp_path / 'o' / 'scaling.json').read_text())['sizes']
    assert r.returncode == 3 and [x['per_class'] for x in rows] == [5, 9, 7]
    assert [x['exit_code'] for x in rows] == [3, 3, 3] and [x['processes'] for x in rows] == [2, 2, 2]
    assert [x['command'][x['command'].index('--epochs') + 1] for x in rows] == ['1', '2', '3']


def test_collect_rebuilds_rows_of_a_stopped_sweep(tmp_path):
    "--collect runs nothing: finished sizes come from their results.json, the others are marked not finished."
    mse = lambda v: {'metrics': {'retain_test': {'mse': v}}, 'seconds': 1.}
    res = {'data': {'n_train': 10}, 'config': {'epochs': 2, 'lr': 8e-3, 'device': 'cpu'},
           'models': {'original': mse(1.), 'retrain': mse(2.), 'decouple': mse(3.)},
           'cost_ratio': {'original': 1., 'retrain': 1., 'decouple': .5}}
    (tmp_path / 'runs' / 'n5').mkdir(parents=True)
    (tmp_path / 'runs' / 'n5' / 'results.json').write_text(json.dumps(res))
    r = _run('--sizes', '5,9', '--collect', str(tmp_path / 'runs'), '--out', str(tmp_path / 'o'))
    assert r.returncode == 0, r.stderr
    rows = json.loads((tmp_path / 'o' / 'scaling.json').read_text())['sizes']
    assert [(x['per_class'], x['exit_code'], x['finished']) for x in rows] == [(5, 0, True), (9, None, False)]
    assert rows[0]['lr'] == 8e-3 and rows[0]['methods']['decouple']['cost_ratio'] == .5
