#!/usr/bin/env python
"""decouple's seconds against retraining's, at several training-set sizes, timed in one process.

Usage (from the repository root): python tools/decouple_cost.py RUN_DIR [RUN_DIR ...] [--seeds 3]
       [--match-epochs 3] [--threads 2] [--out nbs/results/decouple_cost_cpu.json]
RUN_DIR is the --out folder of `i2i-unlearn run` (or of one size of `tools/scaling.py`) whose original finished:
its config.json and original.safetensors; results.json is read where present (`stored`). The run's splits are
rebuilt from its config, so its data set must be readable where the config says (`data_root`, or the Debian
package dataset-fashion-mnist). Per folder, in this order:
1. the default `decouple` unlearns the saved original at seeds 0..S-1, each timed as `unlearn` times it
   (`UnlearnResult.seconds`, without the certificate's measurement, kept as certificate_seconds, and without the
   measurements that only fill decouple's log, kept as record_seconds);
2. as many retention steps as decouple took at seed 0, alone (`retention_alone`): its fixed gradient work;
3. --match-epochs epochs of the run's retraining recipe (its batch size, step size and held-out curve on
   retain_val, as `run` trains its oracle), timed (oracle_seconds_timed) and scaled to the recipe's epochs:
   oracle_seconds_here = oracle_seconds_timed x epochs / match_epochs (as `route_check.oracle_seconds_here`).
   These seconds include the held-out curve `run` records each epoch, which only its plateau report reads; decouple's
   record-only passes are left out. So the cost ratio leans slightly in decouple's favour; the curve's share of an
   epoch is not measured apart.
cost_ratio_here = each decouple's seconds / oracle_seconds_here. Each decouple's retain-test MSE is scored after its
timing (retain_test_mse), and over the oracle's that the run recorded (retain_over_oracle; None without a results.json);
so are its forget-test forget quality (the KS p-value of per-sample losses against the folder's retrain.safetensors)
and realism ratio (None without retrain_2.safetensors), as `metrics.realism` computes them, and the step size each
retention round used (retention_lr, `unlearn.retention_lr`).
Loading data and weights is not timed. Nothing is
saved but the JSON (--out; the default is the book's artifact, which it replaces). The folders run one after
another in the order given; the rows are sorted by size. The four folders of the scale chapter took about ten
minutes at 2 threads.
"""
import os, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from artifact import OneLineParser, provenance, write
from route_check import oracle_seconds_timed


ORACLES = ('retrain', 'retrain_2')  # the oracles a run folder may hold: forget quality reads the first, realism both


def run_config(d:Path):
    "The `RunConfig` a run folder's config.json records (`RunConfig.from_dict`, without the data fingerprint)."
    import json
    from i2i_unlearn.core import RunConfig
    rec = json.loads((d / 'config.json').read_text())
    return RunConfig.from_dict({k: v for k, v in rec.items() if k != 'data_fingerprint'})


def check_folder(d:Path) -> None:
    "ValueError unless `d` holds config.json and original.safetensors (a run folder whose original finished)."
    if not all((d / f).is_file() for f in ('config.json', 'original.safetensors')):
        raise ValueError(f"{d} is not a run folder with a finished original (config.json, original.safetensors)")


def folder_model(d:Path, cfg, name:str):
    "The model `name` (original, retrain, retrain_2) a run folder saved, built as the run's config says."
    from i2i_unlearn.core import load_checkpoint
    from i2i_unlearn.experiments import model_kwargs
    from i2i_unlearn.models import build_model
    m = build_model(cfg.model, cfg.image_size, **model_kwargs(cfg))
    m.load_state_dict(load_checkpoint(d / f'{name}.safetensors')[0])
    return m


def stored(d:Path) -> dict:
    ("What the run itself recorded, where its results.json exists: retraining's and decouple's seconds, each "
     "reference's plateau test (`convergence`, with its held-out curve), and the retain-test MSE of the original, the "
     "oracle and decouple (None where the run has no such model). ValueError where results.json has no retrain model.")
    import json
    if not (d / 'results.json').is_file(): return {}
    res = json.loads((d / 'results.json').read_text())
    m = res.get('models', {})
    if 'seconds' not in m.get('retrain', {}):
        raise ValueError(f"{d / 'results.json'} has no retrain model with its seconds: not a finished `i2i-unlearn run`")
    conv = res.get('convergence', {})
    mse = {k: m[k]['metrics']['retain_test']['mse'] if 'metrics' in m.get(k, {}) else None
           for k in ('original', 'retrain', 'decouple')}
    return dict(retrain_seconds=m['retrain']['seconds'], decouple_seconds=m.get('decouple', {}).get('seconds'),
                convergence=conv, retain_test_mse=mse)


def retention_alone(original, sp, task, steps:int) -> float:
    ("Seconds of `steps` of decouple's default retention (`unlearn.hold` with `Retention()`'s options; the hinge is off "
     "by default, so the level it would keep is moot) on a copy of the original: decouple's fixed gradient work, timed "
     "alone.")
    import copy, dataclasses, time
    from i2i_unlearn.unlearn import Retention, hold
    m = copy.deepcopy(original)
    rt = dataclasses.replace(Retention(), steps=steps)
    t0 = time.perf_counter()
    hold(m, sp, task, rt, levels=dict(cap=None, target=0., margin=0., base=0.), reached=dict(loss=0., G=0.), seed=0)
    return time.perf_counter() - t0


def folder_row(d:Path, seeds:int, match_epochs:int) -> dict:
    "decouple at each seed and the retraining recipe's seconds, for one run folder."
    from i2i_unlearn.experiments import load_run_data, method_options, run_sizes
    from i2i_unlearn.metrics import realism
    from i2i_unlearn.train import mean_loss
    from i2i_unlearn.unlearn import unlearn
    cfg = run_config(d)
    _, sp, task = load_run_data(cfg)
    epochs = run_sizes(cfg)["epochs"]  # the recipe `run` trained its oracle with (the config records it)
    original = folder_model(d, cfg, 'original')
    st = stored(d)  # read once: the oracle's retain-test MSE here, the whole record in the row
    oracle_mse = st.get('retain_test_mse', {}).get('retrain')
    refs = {n: folder_model(d, cfg, n) for n in ORACLES if (d / f'{n}.safetensors').is_file()}
    runs = []
    for s in range(seeds):
        r = unlearn(original, sp, 'decouple', task, seed=s, **method_options('decouple', cfg))
        c = r.certificate['measured']
        mse = mean_loss(r.model, sp.retain_test.x, task)  # after the timing: not part of decouple's seconds
        rl = realism(dict(refs, u=r.model), list(refs), sp.forget_test.x, task)['u'] if refs else {}
        runs.append(dict(seed=s, seconds=r.seconds, certificate_seconds=r.certificate_seconds,
                         record_seconds=r.record_seconds,
                         route=c['route']['route'], ascent_steps=c['ascent_steps'],
                         retention_steps=c['retention_steps'], forget_loss_final=c['forget_loss_final'],
                         retain_test_mse=mse, retain_over_oracle=None if oracle_mse is None else mse / oracle_mse,
                         retention_lr=[x['retention'].get('lr') for x in r.log['rounds']],
                         forget_quality=rl.get('forget_quality'), realism_ratio=rl.get('realism_ratio')))
    steps = sum(runs[0]['retention_steps'])
    retention_seconds = retention_alone(original, sp, task, steps)
    timed = oracle_seconds_timed(original, sp, task, match_epochs, cfg.batch_size, cfg.lr, cfg.seed, sp.retain_val.x)
    here = timed * epochs / match_epochs  # the recipe's epochs, extrapolated from the timed ones
    for r in runs: r['cost_ratio_here'] = r['seconds'] / here
    sizes = {p: len(getattr(sp, p).x) for p in ('forget_train', 'forget_test', 'retain_train', 'retain_val', 'retain_test')}
    return dict(folder=str(d), n_train=len(sp.train.x), split_sizes=sizes, dataset=cfg.dataset, epochs=epochs, quick=cfg.quick,
                lr=cfg.lr, batch_size=cfg.batch_size, match_epochs=match_epochs,
                oracle_seconds_timed=timed, oracle_seconds_here=here,
                retention_steps_alone=steps, retention_seconds_alone=retention_seconds,
                decouple=runs, stored=st)


def main(argv:list) -> int:
    import argparse
    p = OneLineParser(prog='decouple_cost', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('folders', nargs='+', help="`i2i-unlearn run` --out folders (config.json, original.safetensors)")
    p.add_argument('--seeds', type=int, default=3, help="decouple at seeds 0..S-1 per folder")
    p.add_argument('--match-epochs', type=int, default=3, help="epochs of the retraining recipe timed per folder")
    p.add_argument('--threads', type=int, default=2, help="torch threads")
    p.add_argument('--out', default='nbs/results/decouple_cost_cpu.json',
                   help="the JSON to write (default: the scale chapter's artifact, which it replaces)")
    a = p.parse_args(argv)
    try:
        folders = [Path(f) for f in a.folders]
        for d in folders: check_folder(d)
        for d in folders: run_config(d), stored(d)  # an unreadable config.json or results.json fails before any work
        if len({d.resolve() for d in folders}) < len(folders): raise ValueError("a folder is given twice; give each once")
        for name in ('seeds', 'match_epochs', 'threads'):
            if getattr(a, name) < 1: raise ValueError(f"--{name.replace('_', '-')} must be a positive integer")
        if Path(a.out).is_dir() or not Path(a.out).parent.is_dir():
            raise ValueError(f"--out must be a file in an existing folder, got {a.out}")
    except (ValueError, TypeError, KeyError, OSError) as e: print(f"decouple_cost: error: {e}", file=sys.stderr); return 2
    import torch
    torch.set_num_threads(a.threads)
    made = provenance(['python', 'tools/decouple_cost.py', *argv])  # its machine line names the torch threads
    load = os.getloadavg()[0]
    rows = sorted((folder_row(d, a.seeds, a.match_epochs) for d in folders), key=lambda r: r['n_train'])
    write(a.out, made | dict(result=dict(seeds=a.seeds, load_before=load, load_after=os.getloadavg()[0], rows=rows)))
    return 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
