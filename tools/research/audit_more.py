"""Session-12 measurement (issue 15): more decouple variants on a finished audit's models (no retraining).
Usage: python tools/research/audit_more.py AUDIT_OUT SEED EPOCHS LR 'spec1,spec2,...'
AUDIT_OUT is `i2i-unlearn audit --epochs EPOCHS --lr LR --seed SEED --out AUDIT_OUT`'s folder (models/*.safetensors).
Repeats run_audit's steps after training (threshold, binomial test, regeneration, realism, trigger effect ratio) for
the original, the oracles and the new variants; writes AUDIT_OUT/more_<n>.json with per model: success, verdict,
trigger_effect_ratio, realism on triggered queries (ratio, KS p), retain-test MSE over oracle 1's, regeneration."""
import json, sys, time, torch
from pathlib import Path
from safetensors.torch import load_file
from i2i_unlearn.audit import *
from i2i_unlearn.audit import AuditConfig, audit_data
from i2i_unlearn.models import build_model, task_kwargs
from i2i_unlearn.train import eval_losses

torch.set_num_threads(1)
out, seed, epochs, lr, specs = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
quick = len(sys.argv) > 6 and sys.argv[6] == 'quick'  # for trying the script on an `audit --quick` folder
c = AuditConfig(epochs=epochs, lr=lr, seed=seed, device='cpu', methods=tuple(specs.split(',')), quick=quick).resolved()
ds, data = audit_data(c)

def get(name):
    m = build_model(c.model, c.image_size, **task_kwargs(c.model, c.task, c.mask_ratio))
    m.load_state_dict(load_file(out / 'models' / f'{name}.safetensors'))
    return m

refs = {n: get(n) for n in ['original', *oracle_names(c.oracles)]}
new, secs, _ = unlearn_variants(c, refs['original'], data, method_variants(c.methods), say=print)
models = refs | new
thr = calibrate_threshold(models['original'], data.calib, data.task, data.poison)
res = audit_models(models, data, thr, c.alpha, c.beta)
p, q = rate_bounds(res['original']['calib_rate'], res['retrain']['calib_rate'], len(data.calib), c.alpha, c.beta)
regen = regenerate_all(c=c, models=models, data=data, threshold=thr, p=p, q=q)
realism = audit_realism(models=models, oracles=oracle_names(c.oracles), data=data)
ratios = effect_ratios(rates=res)
ref = float(eval_losses(models['retrain'], data.splits.retain_test.x, data.task).mean())
rows = {}
for k, m in models.items():
    tq = realism[k]['triggered_queries']
    rows[k] = dict(success=res[k]['success'], verdict=res[k].get('verdict'), trigger_effect_ratio=ratios[k],
                   ratio=tq.get('realism_ratio'), ks=tq.get('forget_quality'), seconds=secs.get(k),
                   retain=float(eval_losses(m, data.splits.retain_test.x, data.task).mean()) / ref,
                   regen=[g['success'] for g in regen.get(k, [])])
    print(f"{k:50s} success {rows[k]['success']:.2f} regen {rows[k]['regen']} effect x{ratios[k] or 0:.2f} "
          f"ratio {rows[k]['ratio'] or 0:.2f} KS {rows[k]['ks'] or 0:.3g} retain {rows[k]['retain']:.3f}", flush=True)
n = len(list(out.glob('more_*.json')))
(out / f'more_{n}.json').write_text(json.dumps(rows, indent=1))
