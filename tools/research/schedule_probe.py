"""Session-22 probe (issue 19; not part of the book): decouple's retention schedule, constant (the default) against
cosine, at method seeds 0-2, on one finished run folder (original, retrain, retrain_2 .safetensors and config.json).
Usage: python tools/research/schedule_probe.py RUN_DIR OUT_JSON
Prints and writes per seed: seconds, route, retain-test MSE over the oracle's, forget-test realism ratio and KS p.
On the README main job's folder (seed-0 references, 100 epochs at 8e-3), this CPU, 2 threads: constant retain 0.961x
[0.947, 0.976], realism 0.941, KS p 0.18 [-0.05, 0.41]; cosine retain 0.925x [0.924, 0.927], realism 0.900,
KS p 0.013 [0.007, 0.020] (means and 95% t-intervals over the three method seeds; one set of references).
The question it was written for (does constant-lr retention cost retain MSE at the full 60k set, 1.065x there) needs
the full-set references: run it on runs/scaling_cpu2/n7000_e100 (tools/scaling.py) when they exist."""
import json, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from decouple_cost import run_config
from i2i_unlearn.core import load_checkpoint, parse_method
from i2i_unlearn.experiments import load_run_data, model_kwargs
from i2i_unlearn.models import build_model
from i2i_unlearn.unlearn import METHODS, unlearn
from i2i_unlearn.train import mean_loss
from i2i_unlearn.metrics import realism
if len(sys.argv) != 3:
    print('schedule_probe: error: valid: python tools/research/schedule_probe.py RUN_DIR OUT_JSON', file=sys.stderr)
    sys.exit(2)
torch.set_num_threads(2)
d = Path(sys.argv[1])
cfg = run_config(d)
_, sp, task = load_run_data(cfg)
def get(p):
    m = build_model(cfg.model, cfg.image_size, **model_kwargs(cfg)); m.load_state_dict(load_checkpoint(p)[0]); return m
refs = {n: get(d / f'{n}.safetensors') for n in ('original', 'retrain', 'retrain_2')}
oracle_retain = mean_loss(refs['retrain'], sp.retain_test.x, task)
rows = []
for spec in ('decouple', 'decouple:retention.schedule=cosine'):
    for s in range(3):
        t = time.perf_counter()
        r = unlearn(refs['original'], sp, 'decouple', task, seed=s, **parse_method(spec, METHODS)[1])
        secs = time.perf_counter() - t
        rl = realism(dict(refs, u=r.model), ['retrain', 'retrain_2'], sp.forget_test.x, task)['u']
        row = dict(spec=spec, seed=s, seconds=secs, route=r.certificate['measured']['route']['route'],
                   retain_over_oracle=mean_loss(r.model, sp.retain_test.x, task) / oracle_retain,
                   realism_ratio=rl['realism_ratio'], ks_p=rl['forget_quality'])
        print(row, flush=True); rows.append(row)
Path(sys.argv[2]).write_text(json.dumps(rows, indent=1))
