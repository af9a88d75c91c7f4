"tools/saliency_ladder.py: bad input exits 2 with one line before torch loads; a reference folder becomes the artifact."
import json, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from saliency_ladder import parse_fracs, parse_refs


def _run(*args):
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'saliency_ladder.py'), *args], capture_output=True, text=True)


def test_parse():
    assert parse_fracs('0.001,0.5') == [0.001, 0.5]
    for bad in ('0', '1', 'a', '', '0.1,x'):
        with pytest.raises(ValueError): parse_fracs(bad)
    with pytest.raises(ValueError, match='BENCH in class, canary'): parse_refs('audit:/tmp')


@pytest.mark.parametrize('args, says', [(['--refs', 'x:/tmp'], 'BENCH in class, canary'),
                                        (['--refs', 'class:/nonexistent'], 'holds no original.safetensors'),
                                        (['--refs', 'class'], 'BENCH in class, canary'),
                                        (['--fracs', '2'], 'shares in (0, 1)'),
                                        (['--out', '/nonexistent/l.json'], 'does not exist'),
                                        ([], 'the following arguments are required: --refs')])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    out, d = tmp_path / 'ladder.json', tmp_path / 'seed_0'
    d.mkdir()
    (d / 'original.safetensors').write_bytes(b'')  # refused before it is read
    refs = [] if not args or args[0] == '--refs' else ['--refs', f'class:{d}']
    r = _run('--out', str(out), *refs, *args) if args else _run('--out', str(out))
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def test_a_reference_folder_becomes_the_artifact(tmp_path):
    "An untrained model stands in for a reference: the artifact holds levels, losses and one row per score."
    import torch
    from safetensors.torch import save_file
    from i2i_unlearn.models import build_model
    d = tmp_path / 'seed_0'
    d.mkdir()
    torch.manual_seed(0)
    save_file(build_model('conv_ae', 32).state_dict(), d / 'original.safetensors')
    out = tmp_path / 'ladder.json'
    r = _run('--refs', f'class:{d}', '--fracs', '0.01', '--out', str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    a = json.loads(out.read_text())
    assert a['command'].startswith('python tools/saliency_ladder.py') and len(a['commit']) == 40
    (row,) = a['result']['rows']
    assert (row['bench'], row['seed'], list(row['references'])) == ('class', 0, ['original'])
    assert [(p['score'], p['frac']) for p in row['pruned']] == [('fisher', 0.01), ('ratio', 0.01)]
    n = sum(p.numel() for p in build_model('conv_ae', 32).parameters())
    assert all(p['pruned'] >= int(0.01 * n) for p in row['pruned'])
    assert row['levels']['target'] > row['levels']['base'] > 0
