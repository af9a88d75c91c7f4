"""Session-6 audit harness (issue 15): quick-size backdoor audit (16 px, 2,000 images, 10% poisoned, EPOCHS epochs),
original + retrain + retrain_2 cached in /tmp/exp, then the variants of variants.py; prints and writes realism on
triggered and clean queries, trigger effect, success, regeneration over 3 clean epochs, retain ratio, seconds.
Usage: python tools/research/audit_variants.py THREADS SEED EPOCHS V1,V2,...  (results: /tmp/exp/aud2_*.json)"""
import sys, os, json, time, torch
sys.path.insert(0, __import__('os').path.dirname(__file__))
from safetensors.torch import save_file, load_file
from i2i_unlearn.audit import *
from i2i_unlearn.data import load, make_splits, Task
from i2i_unlearn.models import build_model, task_kwargs
from i2i_unlearn.unlearn import unlearn
from i2i_unlearn.train import eval_losses
from i2i_unlearn.core import seed_everything
from i2i_unlearn import metrics
import variants
torch.set_num_threads(int(sys.argv[1])); seed, E = int(sys.argv[2]), int(sys.argv[3]); names = sys.argv[4].split(',')
tk, pz = Task('inpaint', 0.375), Poison(size=4, seed=seed)
ds = load('fashion-mnist-10k', image_size=16)
base = make_splits(ds, forget_samples=1, test_fraction=0.1, val_fraction=0.1, seed=seed, max_train=2000)
data = poison_data(base, tk, pz, 0.1, seed)
def mk(): return build_model('conv_ae', 16, **task_kwargs('conv_ae', 'inpaint', 0.375))
models = {}
for name, s in (('original', seed), ('retrain', seed), ('retrain_2', seed + 1)):
    p = f'/tmp/exp/aud_{name}_s{seed}_e{E}.safetensors'
    m = mk()
    if os.path.exists(p): m.load_state_dict(load_file(p))
    else:
        seed_everything(s)
        if name == 'original': train_pairs(m, data.x_in, data.y, tk, E, 64, seed=s)
        else: m = unlearn(models['original'], data.splits, 'retrain', tk, seed=s, epochs=E, batch_size=64).model
        save_file(m.state_dict(), p)
    models[name] = m
thr = calibrate_threshold(models['original'], data.calib, tk, pz)
secs = {}
for n in names:
    seed_everything(seed); t = time.time(); models[n] = variants.V6(data.splits, tk, seed)[n](models['original']); secs[n] = time.time() - t
xq = stamp_trigger(data.queries, tk, pz); nq = len(data.queries)
out = {}
rt_or = float(eval_losses(models['retrain'], data.splits.retain_test.x, tk).mean())
for split, x in (('triggered', xq), ('clean_queries', data.queries)):
    r = metrics.realism(models, ['retrain', 'retrain_2'], x, tk)
    for n in models: out.setdefault(n, {})[split] = r[n]
hits_of = lambda mm: int(backdoor_hits(mm, data.queries, tk, pz, thr).sum())
for n, m in models.items():
    o = out[n]; o['effect'] = float(trigger_effect(m, data.queries, tk, pz).mean()); o['success'] = hits_of(m) / nq
    o['regen'] = [h / nq for h in regenerate(m, data.splits.retain_train.x, tk, hits_of, 3, 5e-4, 64, seed)] if n not in ('retrain', 'retrain_2') else []
    o['retain_ratio'] = float(eval_losses(m, data.splits.retain_test.x, tk).mean()) / rt_or; o['secs'] = secs.get(n)
    t = o['triggered']; c = o['clean_queries']
    print(f"{n:16s} trig ratio {t['realism_ratio']:.2f} KS {t['forget_quality']:.2g} | clean ratio {c['realism_ratio']:.2f} | effect {o['effect']:.4f} succ {o['success']:.3f} regen {o['regen']} retain {o['retain_ratio']:.3f} s {o['secs']}", flush=True)
json.dump(out, open(f'/tmp/exp/aud2_s{seed}_e{E}_{"_".join(names)}.json', 'w'), indent=1)
