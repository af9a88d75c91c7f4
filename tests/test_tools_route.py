"tools/route_check.py: bad input exits 2 with one line; reference and audit folders become the artifact."
import json, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from route_check import parse_audits


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'route_check.py'), *args], capture_output=True,
                          text=True, cwd=cwd)


def test_parse_audits(tmp_path):
    assert parse_audits('') == []
    with pytest.raises(ValueError, match='is not an `i2i-unlearn audit` folder'): parse_audits(str(tmp_path))


@pytest.mark.parametrize('args, says', [(['--refs', 'x:/tmp'], 'BENCH in class, canary'),
                                        (['--audits', '/tmp'], 'is not an `i2i-unlearn audit` folder'),
                                        ([], 'give --refs, --audits or both'),
                                        (['--audits', 'AUDIT', '--methods', 'decouple:route.x=1'],
                                         "unknown option 'route.x' of method decouple"),
                                        (['--audits', 'AUDIT', '--methods', 'nope'], "unknown method 'nope'"),
                                        (['--audits', 'AUDIT', '--out', '/nonexistent/r.json'], 'does not exist')])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    out, d = tmp_path / 'route.json', tmp_path / 'audit'
    (d / 'models').mkdir(parents=True)
    for f in ('config.toml', 'audit.json', 'models/original.safetensors'): (d / f).write_text('')  # refused unread
    args = [str(d) if a == 'AUDIT' else a for a in args]
    r = _run(*(args if '--out' in args else ['--out', str(out), *args]))
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def _references(d:Path):
    "Untrained models stand in for the three references of a reference_budget.py seed folder."
    import torch
    from safetensors.torch import save_file
    from i2i_unlearn.models import build_model
    d.mkdir()
    for i, n in enumerate(('original', 'retrain', 'retrain_2')):
        torch.manual_seed(i)
        save_file(build_model('conv_ae', 32).state_dict(), d / f'{n}.safetensors')
    (d / 'retrain.safetensors.json').write_text(json.dumps(dict(seconds=100.)))


def test_reference_and_audit_folders_become_the_artifact(tmp_path):
    "A quick audit and stand-in references: routes, rows per model and costs, named as `experiments.COLUMNS`."
    from i2i_unlearn.experiments import COLUMNS
    refs = tmp_path / 'e2_lr0.001' / 'seed_0'  # reference_budget's --keep layout: the oracle's recipe in the name
    refs.parent.mkdir()
    _references(refs)
    aud = tmp_path / 'audit'
    r = subprocess.run([sys.executable, '-m', 'i2i_unlearn', 'audit', '--quick', '--device', 'cpu', '--methods',
                        'decouple', '--out', str(aud)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / 'route.json'
    r = _run('--refs', f'class:{refs}', '--audits', str(aud), '--methods', 'decouple,finetune',
             '--quick', '--out', str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    a = json.loads(out.read_text())
    assert a['command'].startswith('python tools/route_check.py') and len(a['commit']) == 40
    ref, audit = a['result']['rows']
    assert (ref['bench'], ref['seed'], audit['bench']) == ('class', 0, 'audit')
    for row in (ref, audit):
        assert list(row['models'])[-2:] == ['decouple', 'finetune'] and list(row['routes']) == ['decouple']
        rt = row['routes']['decouple']
        assert rt['route'] == ('deep' if rt['proxy'] > rt['threshold'] else 'light')
        assert row['models']['finetune']['cost_ratio'] == pytest.approx(row['models']['finetune']['seconds']
                                                                      / row['oracle_seconds'])
        # the oracle's recipe timed here: 3 epochs, scaled to the recipe's (2 for the references, the audit's own)
        assert row['match_epochs'] == 3 and row['oracle_seconds_here'] > 0
        assert row['models']['finetune']['cost_ratio_here'] == pytest.approx(row['models']['finetune']['seconds']
                                                                           / row['oracle_seconds_here'])
        assert row['models']['retrain']['cost_ratio_here'] is None  # a reference is not timed again
    assert set(ref['models']['decouple']) <= set(COLUMNS) | {'forget_train_ks_p', 'cost_ratio_here',
                                                             'forget_test_mse_over_oracle'}
    assert ref['models']['retrain']['forget_test_mse_over_oracle'] == 1.
    assert ref['models']['retrain']['retain_test_mse_over_oracle'] == 1.
    assert ref['models']['retrain_2']['forget_test_realism_ratio'] == pytest.approx(1.)
    assert audit['models']['retrain']['trigger_effect_ratio'] == 1.


def test_recipe_of_reads_the_keep_layout(tmp_path):
    "The oracle's epochs and step size come from the folder name; anything else is refused before torch loads."
    from route_check import recipe_of
    assert recipe_of(Path('/x/e100_lr0.008/seed_2')) == (100, 0.008)
    with pytest.raises(ValueError, match='is not e'): recipe_of(tmp_path / 'seed_0')
    d = tmp_path / 'seed_0'
    d.mkdir()
    (d / 'original.safetensors').write_text('')
    r = _run('--refs', f'class:{d}', '--out', str(tmp_path / 'r.json'))
    assert r.returncode == 2 and "is not e{epochs}_lr{lr}" in r.stderr and len(r.stderr.strip().splitlines()) == 1
