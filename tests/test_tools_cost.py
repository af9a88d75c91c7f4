"tools/decouple_cost.py (issue 19): bad input exits 2 with one line; a run folder gives decouple's seconds and the recipe's."
import dataclasses, json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    return subprocess.run([sys.executable, str(ROOT / 'tools' / 'decouple_cost.py'), *args], capture_output=True,
                          text=True)


def test_not_a_run_folder_exits_2(tmp_path):
    r = _run(str(tmp_path), '--out', str(tmp_path / 'c.json'))
    assert r.returncode == 2 and 'finished original' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path / 'c.json').exists()


def test_quick_folder(tmp_path):
    "A --quick run folder with an untrained original: one seed, one epoch of the recipe; the artifact is strict JSON."
    from i2i_unlearn.core import RunConfig, save_checkpoint
    from i2i_unlearn.models import build_model
    d = tmp_path / 'run'
    d.mkdir()
    cfg = RunConfig(quick=True, out=str(d)).validate()
    (d / 'config.json').write_text(json.dumps(dataclasses.asdict(cfg)))
    save_checkpoint(d / 'original.safetensors', build_model(cfg.model, cfg.image_size).state_dict(), step=0)
    save_checkpoint(d / 'retrain.safetensors', build_model(cfg.model, cfg.image_size).state_dict(), step=0)  # an oracle
    bad = _run(str(d), '--seeds', '0', '--out', str(tmp_path / 'c.json'))
    assert bad.returncode == 2 and '--seeds must be a positive integer' in bad.stderr
    r = _run(str(d), '--seeds', '1', '--match-epochs', '1', '--threads', '1', '--out', str(tmp_path / 'c.json'))
    assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path / 'c.json').read_text())
    row, = rec['result']['rows']
    dec, = row['decouple']
    assert row['quick'] and row['match_epochs'] == 1 and row['stored'] == {}  # no results.json in this folder
    assert dec['seconds'] > 0 and dec['certificate_seconds'] > 0 and dec['route'] in ('light', 'deep')
    assert dec['record_seconds'] > 0  # the default decouple: its levels and phase losses only fill the log
    assert dec['cost_ratio_here'] == dec['seconds'] / row['oracle_seconds_here']
    assert dec['retain_test_mse'] > 0 and dec['retain_over_oracle'] is None  # no results.json: no oracle to divide by
    assert row['oracle_seconds_here'] == row['oracle_seconds_timed'] * row['epochs'] / row['match_epochs']
    assert row['retention_steps_alone'] == sum(dec['retention_steps']) and row['retention_seconds_alone'] > 0
    assert row['n_train'] == sum(row['split_sizes'][p] for p in ('forget_train', 'retain_train'))  # D = D_f + D_r
    assert 0 <= dec['forget_quality'] <= 1 and dec['realism_ratio'] is None  # one oracle: forget quality, no ratio
    from i2i_unlearn.core import QUICK_METHODS
    from i2i_unlearn.unlearn import Retention, Route, retention_lr
    steps = QUICK_METHODS['decouple']['retain_steps']
    light = retention_lr(Retention(steps=steps), row['split_sizes']['retain_train'])
    assert light < Retention().lr  # a quick round covers under one epoch: the step size shrinks
    assert dec['retention_lr'] == [light if dec['route'] == 'light' else Route().deep_lr]


def test_stored_reads_a_results_file(tmp_path):
    "What the run recorded: seconds, each reference's plateau test with its curve, retain-test MSE; {} without one."
    import sys
    sys.path.insert(0, str(ROOT / 'tools'))
    import decouple_cost
    from i2i_unlearn.core import RunConfig
    assert decouple_cost.stored(tmp_path) == {}
    conv = dict(original=dict(converged=True, heldout_loss=[1.]), retrain=dict(converged=False))
    score = lambda v: dict(metrics=dict(retain_test=dict(mse=v)))
    res = dict(models=dict(retrain=dict(seconds=10.) | score(0.5), decouple=dict(seconds=2.) | score(0.75)),
               convergence=conv)
    (tmp_path / 'results.json').write_text(json.dumps(res))
    bad = tmp_path / 'bad'
    bad.mkdir()
    for f in ('config.json', 'original.safetensors'): (bad / f).write_bytes(b'')
    (bad / 'config.json').write_text(json.dumps(dataclasses.asdict(RunConfig())))
    (bad / 'results.json').write_text(json.dumps(dict(models={})))  # no retrain: found before any work
    r = _run(str(bad), '--out', str(tmp_path / 'c.json'))
    assert r.returncode == 2 and 'has no retrain model' in r.stderr and r.stderr.count('\n') == 1, r.stderr
    assert not (tmp_path / 'c.json').exists()
    assert decouple_cost.stored(tmp_path) == dict(retrain_seconds=10., decouple_seconds=2.,
                                                  convergence=conv,
                                                  retain_test_mse=dict(original=None, retrain=0.5, decouple=0.75))


def test_retention_probe_bad_input_exits_2(tmp_path):
    "tools/retention_probe.py: a folder without an oracle, or a bad method spec, is one line and exit 2; nothing written."
    from i2i_unlearn.core import RunConfig, save_checkpoint
    from i2i_unlearn.models import build_model
    probe = lambda *a: subprocess.run([sys.executable, str(ROOT / 'tools' / 'retention_probe.py'), *a],
                                      capture_output=True, text=True)
    d = tmp_path / 'run'
    d.mkdir()
    cfg = RunConfig(quick=True, out=str(d)).validate()
    (d / 'config.json').write_text(json.dumps(dataclasses.asdict(cfg)))
    save_checkpoint(d / 'original.safetensors', build_model(cfg.model, cfg.image_size).state_dict(), step=0)
    r = probe(str(d), '--out', str(tmp_path / 'p.json'))
    assert r.returncode == 2 and 'has no retrain.safetensors' in r.stderr and r.stderr.count('\n') == 1, r.stderr
    save_checkpoint(d / 'retrain.safetensors', build_model(cfg.model, cfg.image_size).state_dict(), step=0)
    r = probe(str(d), 'decouple:retention.nosuch=1', '--out', str(tmp_path / 'p.json'))
    assert r.returncode == 2 and 'retention.nosuch' in r.stderr and r.stderr.count('\n') == 1, r.stderr
    r = probe(str(d), 'decouple', 'decouple', '--out', str(tmp_path / 'p.json'))
    assert r.returncode == 2 and 'given twice' in r.stderr and r.stderr.count('\n') == 1, r.stderr
    r = probe(str(d), '--out', str(tmp_path))
    assert r.returncode == 2 and '--out must be a file' in r.stderr and r.stderr.count('\n') == 1, r.stderr
    (d / 'config.json').write_text('{"nosuch": 1}')
    r = probe(str(d), '--out', str(tmp_path / 'p.json'))
    assert r.returncode == 2 and r.stderr.startswith('retention_probe: error: ') and r.stderr.count('\n') == 1, r.stderr
    assert not (tmp_path / 'p.json').exists()
