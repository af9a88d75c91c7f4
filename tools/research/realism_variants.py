"""Session-5 measurement script (issue 15): realism of unlearning variants against two 40-epoch oracles.
Needs the models of train_reference.py (orig seed 0, oracle seeds 0 and 1). Usage:
python tools/research/realism_variants.py E40_lr0.002 THREADS [VARIANT,VARIANT,...]
Variants: finetune, finetune600, decouple_old (the default decouple), li2024, and three bounded climbs
(hinge_median, dom_rv, mean_rv[_a10]) written here, not in the package. Not part of the book.
"""
import sys, time, json, copy, torch
from safetensors.torch import load_file
from i2i_unlearn.core import seed_everything
from i2i_unlearn.data import load, make_splits, Task
from i2i_unlearn.models import build_model
from i2i_unlearn.train import eval_losses, sample_losses
from i2i_unlearn.unlearn import unlearn, batch_stream, draw
from i2i_unlearn import metrics
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
tag = sys.argv[1]   # e.g. E40_lr0.002
ds = load('fashion-mnist-10k', 32); sp = make_splits(ds, forget_classes=(0,), seed=0); task = Task('recon', 0.375)
def get(p):
    m = build_model('conv_ae', 32); m.load_state_dict(load_file(p)); return m
orig = get(f'/tmp/exp/orig_{tag}_s0.safetensors')
import os
o1 = get(f'/tmp/exp/oracle_{tag}_s0.safetensors')
p2 = f'/tmp/exp/oracle_{tag}_s1.safetensors'
o2 = get(p2) if os.path.exists(p2) else o1

def hinge_train(model, ref, steps=150, lr=2e-4, batch=32, a=1.0, mode='dominance', seed=0):
    ref = torch.sort(ref)[0]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sf, sr = batch_stream(sp.forget_train.x, batch, seed), batch_stream(sp.retain_train.x, batch, seed + 1)
    for k in range(steps):
        xf, xr = draw(sf)[0], draw(sr)[0]
        lf = sample_losses(model, xf, task)
        if mode == 'dominance':
            s = torch.sort(lf)[0]; p = (torch.arange(len(s)) + 0.5) / len(s)
            q = torch.quantile(ref, p)
            h = torch.relu(q - s).mean()
        elif mode == 'mean':
            h = torch.relu(float(ref.mean()) - lf.mean())
        else:
            h = torch.relu(float(ref.median()) - lf).mean()
        loss = sample_losses(model, xr, task).mean() + a * h
        opt.zero_grad(); loss.backward(); opt.step()
    return model

rv = eval_losses(orig, sp.retain_val.x, task)
ft_ref = eval_losses(orig, sp.forget_test.x, task)
res = {}
def timed(name, f):
    t = time.time(); m = f(); res[name] = dict(secs=time.time() - t); return m
models = dict(original=orig, retrain=o1, retrain_2=o2)
only = sys.argv[3].split(',') if len(sys.argv) > 3 else None
V = {
 'finetune': lambda: unlearn(orig, sp, 'finetune', task, seed=0).model,
 'finetune600': lambda: unlearn(orig, sp, 'finetune', task, seed=0, steps=600, lr=1e-3).model,
 'decouple_old': lambda: unlearn(orig, sp, 'decouple', task, seed=0).model,
 'li2024': lambda: unlearn(orig, sp, 'li2024', task, seed=0).model,
 'hinge_median': lambda: hinge_train(copy.deepcopy(orig), rv, mode='median'),
 'dom_rv': lambda: hinge_train(copy.deepcopy(orig), rv),
 'dom_rv600': lambda: hinge_train(copy.deepcopy(orig), rv, steps=600, lr=1e-3),
 'mean_rv': lambda: hinge_train(copy.deepcopy(orig), rv, mode='mean'),
 'mean_rv_a10': lambda: hinge_train(copy.deepcopy(orig), rv, mode='mean', a=10.),
 'dom_ft': lambda: hinge_train(copy.deepcopy(orig), ft_ref),
}
for n, f in V.items():
    if only and n not in only: continue
    seed_everything(0); models[n] = timed(n, f)
rt_or = float(eval_losses(o1, sp.retain_test.x, task).mean())
for split in ('forget_train', 'forget_test'):
    r = metrics.realism(models, ['retrain', 'retrain_2'], getattr(sp, split).x, task)
    for n in models:
        res.setdefault(n, {})[split] = {k: round(v, 4) if v is not None else None for k, v in r[n].items()}
for n, m in models.items():
    res[n]['retain_ratio'] = round(float(eval_losses(m, sp.retain_test.x, task).mean()) / rt_or, 4)
    res[n]['ft_mse'] = round(float(eval_losses(m, sp.forget_test.x, task).mean()), 5)
    res[n]['ftr_mse'] = round(float(eval_losses(m, sp.forget_train.x, task).mean()), 5)
res['_rv_median'] = float(rv.median()); res['_ft_ref_median'] = float(ft_ref.median())
res['_ftrain_orig_median'] = float(eval_losses(orig, sp.forget_train.x, task).median())
for n in models:
    r = res[n]; print(f"{n:14s} ft ratio {r['forget_test']['realism_ratio']}  KS {r['forget_test']['forget_quality']:.3g}  ftr ratio {r['forget_train']['realism_ratio']}  KS {r['forget_train']['forget_quality']:.3g}  retain {r['retain_ratio']}  ftmse {r['ft_mse']} ftrmse {r['ftr_mse']} secs {r.get('secs')}")
print({k: v for k, v in res.items() if k.startswith('_')})
json.dump(res, open(f'/tmp/exp/var_{tag}_{len(models)}.json', 'w'), indent=1)
