"""Sessions 22-23 probe (issue 19; not part of the book): decouple variants at method seeds 0-2 on one finished run
folder (original.safetensors, retrain.safetensors, retrain_2.safetensors where the run had two oracles, config.json).
Usage: python tools/research/schedule_probe.py RUN_DIR OUT_JSON [SPEC ...]
SPEC is a method spec as `--methods` takes it (default: decouple and decouple:retention.schedule=cosine).
Prints and writes per spec and seed: seconds (the whole `unlearn` call), route, retention steps, retain-test MSE over
oracle 1's, and on forget-test the realism ratio (None with one oracle) and forget quality (KS p against oracle 1);
the original's retain-test MSE over the oracle's is written once, as the level retention starts from.
Session 22, on the README main job's folder (seed-0 references, 100 epochs at 8e-3), this CPU, 2 threads: constant
retain 0.961x [0.947, 0.976], realism 0.941, KS p 0.18 [-0.05, 0.41]; cosine retain 0.925x [0.924, 0.927], realism
0.900, KS p 0.013 [0.007, 0.020] (means and 95% t-intervals over the three method seeds; one set of references).
Session 23 ran it on the full set's 100-epoch folder (runs/scaling_cpu2/n7000_e100, one oracle) with longer retention;
its numbers are in that session's note."""
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
if len(sys.argv) < 3:
    print('schedule_probe: error: valid: python tools/research/schedule_probe.py RUN_DIR OUT_JSON [SPEC ...]',
          file=sys.stderr)
    sys.exit(2)
torch.set_num_threads(2)
d = Path(sys.argv[1])
specs = sys.argv[3:] or ['decouple', 'decouple:retention.schedule=cosine']
cfg = run_config(d)
_, sp, task = load_run_data(cfg)
def get(p):
    m = build_model(cfg.model, cfg.image_size, **model_kwargs(cfg)); m.load_state_dict(load_checkpoint(p)[0]); return m
names = [n for n in ('original', 'retrain', 'retrain_2') if (d / f'{n}.safetensors').is_file()]
refs = {n: get(d / f'{n}.safetensors') for n in names}
oracles = [n for n in ('retrain', 'retrain_2') if n in refs]
oracle_retain = mean_loss(refs['retrain'], sp.retain_test.x, task)
out = dict(folder=str(d), oracles=oracles, original_retain_over_oracle=mean_loss(refs['original'], sp.retain_test.x,
                                                                                  task) / oracle_retain, rows=[])
print(out, flush=True)
for spec in specs:
    name, opts = parse_method(spec, METHODS)
    for s in range(3):
        t = time.perf_counter()
        r = unlearn(refs['original'], sp, name, task, seed=s, **opts)
        secs = time.perf_counter() - t
        rl = realism(dict(refs, u=r.model), oracles, sp.forget_test.x, task)['u']
        c = r.certificate['measured'] if r.certificate else {}
        row = dict(spec=spec, seed=s, seconds=secs, route=c.get('route', {}).get('route'),
                   retention_steps=c.get('retention_steps'),
                   retain_over_oracle=mean_loss(r.model, sp.retain_test.x, task) / oracle_retain,
                   realism_ratio=rl['realism_ratio'], ks_p=rl['forget_quality'])
        print(row, flush=True)
        out['rows'].append(row)
        Path(sys.argv[2]).write_text(json.dumps(out, indent=1))
