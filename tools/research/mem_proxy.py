"""Session-12 probe (issue 15): a memorisation proxy without retraining. Prune the top SHARE of weights by SSD's ratio
score (forget Fisher over retain Fisher) and measure how much the original's outputs move on the forget images against
how much they move on held-out retain images. Usage:
  python tools/research/mem_proxy.py class|canary REFS_DIR      (a reference_budget.py seed_S folder)
  python tools/research/mem_proxy.py audit AUDIT_OUT SEED EPOCHS LR
Prints, per share, output change (mean per-image MSE original vs pruned) on forget_train and retain_val, their ratio,
and the forget loss over the original's."""
import copy, sys, torch
from pathlib import Path
from safetensors.torch import load_file
from i2i_unlearn.core import RunConfig
from i2i_unlearn.models import build_model, task_kwargs
from i2i_unlearn.train import eval_losses
from i2i_unlearn.unlearn import prune_salient, Saliency

torch.set_num_threads(1)
kind = sys.argv[1]
if kind == 'audit':
    from i2i_unlearn.audit import AuditConfig, audit_data
    c = AuditConfig(epochs=int(sys.argv[4]), lr=float(sys.argv[5]), seed=int(sys.argv[3]), device='cpu').resolved()
    _, data = audit_data(c)
    sp, task = data.splits, data.task
    model = build_model(c.model, c.image_size, **task_kwargs(c.model, c.task, c.mask_ratio))
    model.load_state_dict(load_file(Path(sys.argv[2]) / 'models' / 'original.safetensors'))
else:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from reference_budget import BENCHES
    from i2i_unlearn.experiments import load_run_data
    d = Path(sys.argv[2])
    _, sp, task = load_run_data(RunConfig(seed=int(d.name.removeprefix('seed_')), **BENCHES[kind]))
    model = build_model('conv_ae', 32)
    model.load_state_dict(load_file(d / 'original.safetensors'))
model.eval()

def outs(m, x):
    with torch.no_grad(): return torch.cat([m(task(x[i:i + 256])[0]) for i in range(0, len(x), 256)])

xf, xv = sp.forget_train.x, sp.retain_val.x
of, ov = outs(model, xf), outs(model, xv)
lf = float(eval_losses(model, xf, task).mean())
for share in (0.001, 0.0025, 0.01):
    for score in ('ratio', 'fisher'):
        m = copy.deepcopy(model)
        prune_salient(m, sp, task, Saliency(frac=share, score=score), seed=0)
        m.eval()
        cf = float(((outs(m, xf) - of) ** 2).mean())
        cv = float(((outs(m, xv) - ov) ** 2).mean())
        print(f"{kind} {score:6} share {share}: output change forget {cf:.5f} retain_val {cv:.5f} ratio {cf / cv:.2f}; "
              f"forget loss x{float(eval_losses(m, xf, task).mean()) / lf:.2f}", flush=True)
