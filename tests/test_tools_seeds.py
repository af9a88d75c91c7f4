"tools/seeds_artifact.py: bad input exits 2 with one line; a gpu_seeds.sh archive becomes the artifact the chapters read."
import io, json, subprocess, sys, tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    cmd = [sys.executable, str(ROOT / 'tools' / 'seeds_artifact.py'), *args]
    return subprocess.run(cmd, capture_output=True, text=True)


def _add(t:tarfile.TarFile, name:str, text:str):
    data = text.encode()
    info = tarfile.TarInfo(f'seeds/{name}')
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))


def _run_results(seed:int) -> dict:
    mse = lambda v: {'metrics': {'retain_test': {'mse': v}, 'forget_test': {'mse': v}}, 'seconds': 1.}
    return {'config': {'seed': seed}, 'data': {'n_train': 10}, 'cost_ratio': {'retrain': 1., 'decouple': .2},
            'models': {'retrain': mse(2.), 'decouple': mse(3.)}, 'mia': {},
            'realism': {'forget_test': {'decouple': {'realism_ratio': 1.2, 'forget_quality': .3}}},
            'convergence': {'retrain': {'heldout_loss': [1., .5], 'improvement': .02, 'converged': False,
                                        'last_epochs': 1, 'tol': .01}}}


def _audit_report() -> dict:
    def model(verdict, mse):
        trig = {'realism_ratio': 1.3, 'forget_quality': .2, 'oracle_distance': .1}
        return {'test': {'verdict': verdict}, 'regeneration': [{'verdict': verdict}], 'success': 0.,
                'trigger_effect_ratio': 2., 'realism': {'triggered_queries': trig}, 'retain_test_mse': mse}
    return {'oracles': ['retrain'], 'config': {'seed': 0}, 'models': {'retrain': model('deleted', 2.),
                                                                     'decouple': model('deleted', 3.)}}


def test_an_archive_becomes_the_artifact(tmp_path):
    tgz = tmp_path / 'seeds.tgz'
    with tarfile.open(tgz, 'w:gz') as t:
        _add(t, 'env.txt', 'date\ntorch x\nGPU y\n')
        _add(t, 'jobs.txt', 'class-0 exit 0 seconds 5\ndiffusion-0 exit 124 seconds 9\n')
        _add(t, 'class-0/results.json', json.dumps(_run_results(0)))
        _add(t, 'audit-0/audit.json', json.dumps(_audit_report()))
        _add(t, 'diffusion-1/results.json', json.dumps(_run_results(1)))
    out = tmp_path / 'a.json'
    r = _run(str(out), '--tgz', str(tgz), '--commit', 'abc', '--command', 'cmd')
    assert r.returncode == 0, r.stderr
    a = json.loads(out.read_text())
    assert a['jobs'] == {'class-0': {'exit': '0', 'seconds': 5}, 'diffusion-0': {'exit': '124', 'seconds': 9}}
    assert list(a['class']) == ['0'] and a['canary'] == {} and a['diffusion_audit'] == {}
    assert list(a['diffusion']) == ['1'] and a['diffusion']['1']['config'] == {'seed': 1}
    assert a['class']['0']['models']['decouple']['retain_test_mse_over_oracle'] == 1.5
    assert a['class']['0']['plateau']['retrain']['converged'] is False
    assert a['audit']['0']['models']['decouple']['retain_over_oracle'] == 1.5
    assert a['machine'] == ['date', 'torch x', 'GPU y']


def test_an_unreadable_archive_exits_2(tmp_path):
    r = _run(str(tmp_path / 'a.json'), '--tgz', str(tmp_path / 'none.tgz'), '--commit', 'x', '--command', 'y')
    assert r.returncode == 2 and 'valid:' in r.stderr and 'Traceback' not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / 'a.json').exists()


def test_a_local_seeds_run_becomes_the_artifact(tmp_path):
    run = tmp_path / 'run'
    for s in (0, 1):
        (run / f'seed_{s}').mkdir(parents=True)
        (run / f'seed_{s}' / 'results.json').write_text(json.dumps(_run_results(s)))
    out = tmp_path / 'a.json'
    r = _run(str(out), '--run-dir', str(run), '--bench', 'class', '--machine', 'cpu x\n2 threads', '--commit', 'abc',
             '--command', 'i2i-unlearn run --seeds 2')
    assert r.returncode == 0, r.stderr
    a = json.loads(out.read_text())
    assert list(a['class']) == ['0', '1'] and a['canary'] == {} and a['jobs'] == {}
    assert a['class']['1']['models']['decouple']['retain_test_mse_over_oracle'] == 1.5
    assert a['machine'] == ['cpu x', '2 threads'] and a['command'] == 'i2i-unlearn run --seeds 2'


def test_a_folder_without_seeds_exits_2(tmp_path):
    r = _run(str(tmp_path / 'a.json'), '--run-dir', str(tmp_path), '--machine', 'm', '--commit', 'x', '--command', 'y')
    assert r.returncode == 2 and 'valid:' in r.stderr and 'Traceback' not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / 'a.json').exists()


def test_a_local_diffusion_run_is_its_own_benchmark(tmp_path):
    run = tmp_path / 'run' / 'seed_0'
    run.mkdir(parents=True)
    (run / 'results.json').write_text(json.dumps(_run_results(0)))
    out = tmp_path / 'a.json'
    r = _run(str(out), '--run-dir', str(run.parent), '--bench', 'diffusion', '--machine', 'cpu', '--commit', 'abc',
             '--command', 'i2i-unlearn run --model diffusion --seeds 1')
    assert r.returncode == 0, r.stderr
    a = json.loads(out.read_text())
    assert list(a['diffusion']) == ['0'] and a['class'] == {}
    assert a['diffusion']['0']['models']['decouple']['retain_test_mse_over_oracle'] == 1.5
