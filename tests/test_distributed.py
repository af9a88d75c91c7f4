"A real 2-process gloo run through torchrun on the CPU, compared with the same run in one process."
import json, math, os, subprocess, sys
import pytest

# module-scoped fixtures: keep this file on one xdist worker (pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group('distributed')

ENV = dict(os.environ, OMP_NUM_THREADS='1', IN_TEST='1')
ARGS = ['run', '--quick', '--device', 'cpu', '--methods', 'decouple,li2024']
TORCHRUN = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '-m', 'i2i_unlearn']


def _run(cmd, out, cache, timeout=240):
    env = dict(ENV, I2I_UNLEARN_CACHE=str(cache))
    return subprocess.run([*cmd, *ARGS, '--out', str(out)], capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "The quick run in one process and under `torchrun --nproc_per_node 2` (each with its own feature-net cache)."
    d = tmp_path_factory.mktemp('dist')
    one = _run([sys.executable, '-m', 'i2i_unlearn'], d / 'one', d / 'cache1')
    assert one.returncode == 0, one.stderr[-3000:]
    two = _run(TORCHRUN, d / 'two', d / 'cache2')
    assert two.returncode == 0, two.stderr[-3000:]
    res = {k: json.loads((d / k / 'results.json').read_text()) for k in ('one', 'two')}
    return dict(dir=d, one=one, two=two, res=res)


def test_world_size_recorded(runs):
    assert runs['res']['one']['config']['world_size'] == 1
    assert runs['res']['two']['config']['world_size'] == 2
    assert runs['res']['two']['schema'] == 'i2i_unlearn/results/v1'
    assert set(runs['res']['two']['models']) == {'original', 'retrain', 'decouple', 'li2024'}


def test_rank0_only_outputs(runs):
    d = runs['dir']
    files = lambda k: sorted(str(p.relative_to(d / k)) for p in (d / k).rglob('*'))
    assert files('two') == files('one')  # the same files, no per-rank copies
    assert [p.name for p in (d / 'two').rglob('results*.json')] == ['results.json']
    assert not [p for p in (d / 'two').rglob('*.tmp')]
    assert runs['two'].stdout.count('| model |') == 1  # one table, printed by rank 0
    assert runs['two'].stderr.count('data fashion-mnist-10k') == 1 and '2 processes' in runs['two'].stderr
    assert len(list((d / 'cache2').glob('feature_net-*.safetensors'))) == 1


def test_metrics_finite(runs):
    for name, m in runs['res']['two']['models'].items():
        for split, v in m['metrics'].items():
            assert all(math.isfinite(x) for x in v.values()), (name, split, v)
        assert math.isfinite(m['seconds']) and m['seconds'] > 0


def test_two_processes_match_one(runs):
    "Sharded training and evaluation give the single-process numbers up to floating-point order."
    one, two = (runs['res'][k]['models'] for k in ('one', 'two'))
    for name in ('original', 'retrain'):
        for split in one[name]['metrics']:
            for k, v in one[name]['metrics'][split].items():
                assert two[name]['metrics'][split][k] == pytest.approx(v, rel=1e-3, abs=1e-6), (name, split, k)
    assert two['original']['metrics']['retain_test']['mse'] == pytest.approx(one['original']['metrics']['retain_test']['mse'], rel=1e-4)
    assert runs['res']['two']['lambda_eval'] == pytest.approx(runs['res']['one']['lambda_eval'], rel=1e-4)


def test_user_error_stops_every_rank(tmp_path):
    "A bad option fails on every rank before the group forms: a quick non-zero exit, not a hang."
    r = subprocess.run([*TORCHRUN, 'run', '--quick', '--device', 'cpu', '--methods', 'nope', '--out', str(tmp_path / 'o')],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode != 0 and "unknown method 'nope'" in r.stderr
    assert not (tmp_path / 'o').exists()
