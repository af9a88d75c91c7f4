"""Session-6 class/canary harness (issue 15): realism of variants against two oracles on forget-train/forget-test.
Usage: python tools/research/class_variants.py THREADS DS FORGET_CLASS EPOCHS V1,V2,... [METHOD_SEED]
References: fashion-mnist-10k uses tools/research/train_reference.py's 40-epoch models in /tmp/exp; other data sets
use train_reference_ds.py's. Results: /tmp/exp/rv3_*.json"""
import sys, time, json, torch
sys.path.insert(0, __import__('os').path.dirname(__file__))
from safetensors.torch import load_file
from i2i_unlearn.core import seed_everything
from i2i_unlearn.data import load, make_splits, Task
from i2i_unlearn.models import build_model
from i2i_unlearn.train import eval_losses
from i2i_unlearn import metrics
import variants
torch.set_num_threads(int(sys.argv[1])); DS, fc, E, names = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(',')
MS = int(sys.argv[6]) if len(sys.argv) > 6 else 0
ds = load(DS, 32); sp = make_splits(ds, forget_classes=(fc,), seed=0); task = Task('recon', 0.375)
def get(p):
    m = build_model('conv_ae', 32); m.load_state_dict(load_file(p)); return m
if DS == 'fashion-mnist-10k':
    P = lambda w, s: f'/tmp/exp/{w}_E40_lr0.002_s{s}.safetensors'
else:
    P = lambda w, s: f'/tmp/exp/{DS}_{w}_E{E}_s{s}.safetensors'
models = dict(original=get(P('orig', 0)), retrain=get(P('oracle', 0)), retrain_2=get(P('oracle', 1)))
secs = {}
for n in names:
    seed_everything(MS); t = time.time(); models[n] = variants.V6(sp, task, MS)[n](models['original']); secs[n] = time.time() - t
rt_or = float(eval_losses(models['retrain'], sp.retain_test.x, task).mean())
res = {}
for split in ('forget_train', 'forget_test'):
    r = metrics.realism(models, ['retrain', 'retrain_2'], getattr(sp, split).x, task)
    for n in models: res.setdefault(n, {})[split] = r[n]
for n, m in models.items():
    o = res[n]; o['retain_ratio'] = float(eval_losses(m, sp.retain_test.x, task).mean()) / rt_or
    o['ft_mse'] = float(eval_losses(m, sp.forget_test.x, task).mean()); o['secs'] = secs.get(n)
    a, b = o['forget_test'], o['forget_train']
    print(f"{n:16s} ft ratio {a['realism_ratio'] or 0:.2f} KS {a['forget_quality']:.2g} | ftr ratio {b['realism_ratio'] or 0:.2f} KS {b['forget_quality']:.2g} | retain {o['retain_ratio']:.3f} ftmse {o['ft_mse']:.5f} s {o['secs']}", flush=True)
json.dump(res, open(f'/tmp/exp/rv3_{DS}_ms{MS}_{"_".join(names)}.json', 'w'), indent=1)
