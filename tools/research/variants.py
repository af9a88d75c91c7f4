"""Research variants (issue 15): saliency reset + retain fine-tuning, ascent + fine-tuning."""
import copy, torch
from i2i_unlearn import metrics
from i2i_unlearn.train import eval_losses, sample_losses
from i2i_unlearn.unlearn import unlearn, batch_stream, draw
from i2i_unlearn.models import build_model

def grad_sq(model, x, task, batch=64, nb=8, seed=0):
    "Mean squared gradient (diag Fisher) of the per-sample loss over up to nb batches of x."
    acc = [torch.zeros_like(p) for p in model.parameters()]
    s = batch_stream(x, batch, seed)
    n = min(nb, max(1, len(x) // batch))
    for _ in range(n):
        xb = draw(s)[0]
        model.zero_grad(); sample_losses(model, xb, task).mean().backward()
        for a, p in zip(acc, model.parameters()):
            if p.grad is not None: a += p.grad.detach() ** 2 / n
    model.zero_grad(); return acc

def reset_salient(model, splits, task, frac=0.02, score='ratio', init_seed=123, how='init'):
    "Reset the top `frac` weights by forget saliency (ratio: Fisher_f / Fisher_r) to a fresh init (or zero)."
    m = copy.deepcopy(model)
    ff = grad_sq(m, splits.forget_train.x, task)
    fr = grad_sq(m, splits.retain_train.x, task)
    sc = [f / (r + 1e-12) if score == 'ratio' else f for f, r in zip(ff, fr)]
    allv = torch.cat([s.flatten() for s in sc])
    k = max(1, int(frac * allv.numel()))
    thr = torch.topk(allv, k).values.min()
    torch.manual_seed(init_seed)
    fresh = copy.deepcopy(m)
    for mod in fresh.modules():
        if hasattr(mod, 'reset_parameters'): mod.reset_parameters()
    with torch.no_grad():
        for p, q, s in zip(m.parameters(), fresh.parameters(), sc):
            mask = s >= thr
            p[mask] = q[mask] if how == 'init' else 0.
    return m

def finetune(m, splits, task, steps, lr, seed=0):
    return unlearn(m, splits, 'finetune', task, seed=seed, steps=steps, lr=lr).model

def V(splits, task, seed=0):
    return {
     'finetune300': lambda o: finetune(o, splits, task, 300, 1e-3, seed),
     'asc_ft300': lambda o: unlearn(o, splits, 'decouple', task, seed=seed, hinge=0., retain_steps=300, lr_retain=1e-3, rounds=1).model,
     'reset2_ft300': lambda o: finetune(reset_salient(o, splits, task, 0.02), splits, task, 300, 1e-3, seed),
     'reset5_ft300': lambda o: finetune(reset_salient(o, splits, task, 0.05), splits, task, 300, 1e-3, seed),
     'reset10_ft300': lambda o: finetune(reset_salient(o, splits, task, 0.10), splits, task, 300, 1e-3, seed),
     'resetf5_ft300': lambda o: finetune(reset_salient(o, splits, task, 0.05, score='forget'), splits, task, 300, 1e-3, seed),
    }

def V2(splits, task, seed=0):
    base = V(splits, task, seed)
    R = lambda frac, steps=300, lr=1e-3, how='init', score='forget': (lambda o: finetune(reset_salient(o, splits, task, frac, score=score, how=how), splits, task, steps, lr, seed))
    return base | {
     'resetf10_ft300': R(0.10), 'resetf20_ft300': R(0.20), 'resetf5_ft600': R(0.05, 600), 'resetf5z_ft300': R(0.05, how='zero'),
     'resetf2_ft300': R(0.02), 'resetf5_ft150': R(0.05, 150),
    }

def ssd(model, splits, task, alpha=10., lam=1., how='dampen', init_seed=123):
    "SSD-style (Foster et al. 2024): select weights with F_f > alpha F_r; dampen by min(lam F_r / F_f, 1) or reset to init."
    m = copy.deepcopy(model)
    ff = grad_sq(m, splits.forget_train.x, task)
    fr = grad_sq(m, splits.retain_train.x, task)
    fresh = copy.deepcopy(m); torch.manual_seed(init_seed)
    for mod in fresh.modules():
        if hasattr(mod, 'reset_parameters'): mod.reset_parameters()
    n = tot = 0
    with torch.no_grad():
        for p, q, f, r in zip(m.parameters(), fresh.parameters(), ff, fr):
            sel = f > alpha * r
            n += int(sel.sum()); tot += sel.numel()
            if how == 'dampen': p[sel] *= torch.clamp(lam * r[sel] / f[sel], max=1.)
            else: p[sel] = q[sel]
    print(f'ssd alpha={alpha} how={how}: {n}/{tot} = {n/tot:.4f} selected', flush=True)
    return m

def V3(splits, task, seed=0):
    base = V2(splits, task, seed)
    S = lambda alpha, how, steps=300: (lambda o: finetune(ssd(o, splits, task, alpha, how=how), splits, task, steps, 1e-3, seed))
    return base | {'ssd10d_ft300': S(10., 'dampen'), 'ssd10r_ft300': S(10., 'reset'), 'ssd3r_ft300': S(3., 'reset'),
                   'ssd30r_ft300': S(30., 'reset'), 'ssd3d_ft300': S(3., 'dampen')}

def V4(splits, task, seed=0):
    base = V3(splits, task, seed)
    R = lambda frac, steps=300, lr=1e-3, how='init', score='forget': (lambda o: finetune(reset_salient(o, splits, task, frac, score=score, how=how), splits, task, steps, lr, seed))
    return base | {'resetf10_ft600': R(0.10, 600), 'resetf5z_ft600': R(0.05, 600, how='zero'), 'resetf10_ft1000': R(0.10, 1000)}

def V5(splits, task, seed=0):
    base = V4(splits, task, seed)
    Z = lambda frac, steps: (lambda o: finetune(reset_salient(o, splits, task, frac, how='zero'), splits, task, steps, 1e-3, seed))
    return base | {'z5_600': Z(0.05, 600), 'z10_600': Z(0.10, 600), 'z10_300': Z(0.10, 300), 'z5_300': Z(0.05, 300), 'z3_600': Z(0.03, 600), 'z5_450': Z(0.05, 450)}

ASCENT = {'saliency': False, 'climb': True, 'hinge': 1., 'retain_steps': 40, 'lr_retain': 2e-4, 'rounds': 3, 'retention.weight_decay': 0., 'retention.clip': 0.,
          'retention.schedule': 'constant', 'retention.lr_scaling': 'none'}  # the former default, before retention_lr
def V6(splits, task, seed=0):
    base = V5(splits, task, seed)
    U = lambda name, **kw: (lambda o: unlearn(o, splits, name, task, seed=seed, **kw).model)
    return base | {'decouple': U('decouple'), 'decouple_ascent': U('decouple', **ASCENT), 'finetune': U('finetune'),
                   'finetune600': U('finetune', steps=600, lr=1e-3), 'li2024': U('li2024'),
                   # session 8: the retention's step size (constant, or cosine-annealed from a peak)
                   'decouple_const1e3': U('decouple', lr_retain=1e-3, retain_schedule='constant'),
                   **{f'd{k}e3': U('decouple', lr_retain=k * 1e-3, retain_schedule='constant') for k in (2, 3)},
                   **{f'dcos{k}e3': U('decouple', lr_retain=k * 1e-3, retain_schedule='cosine') for k in (1, 2, 3, 4)}}


def report(models, sp, task, secs, tag=''):
    "Per model: forget-test realism ratio, forget quality (KS p), retain-test MSE over oracle 1's, seconds; printed."
    ref = float(eval_losses(models['retrain'], sp.retain_test.x, task).mean())
    r = metrics.realism(models, ['retrain', 'retrain_2'], sp.forget_test.x, task)
    rt = metrics.realism(models, ['retrain', 'retrain_2'], sp.forget_train.x, task)  # the trained-on forget images
    out = {}
    for n, m in models.items():
        rr = float(eval_losses(m, sp.retain_test.x, task).mean()) / ref
        ftr = float(eval_losses(m, sp.forget_train.x, task).mean())
        out[n] = dict(ratio=r[n]['realism_ratio'], ks=r[n]['forget_quality'], retain=rr, secs=secs.get(n),
                      train_ratio=rt[n]['realism_ratio'], train_ks=rt[n]['forget_quality'], forget_train_mse=ftr)
        print(f"{tag} {n:18s} ratio {r[n]['realism_ratio'] or 0:.3f} KS {r[n]['forget_quality']:.3g} "
              f"retain {rr:.3f} | train ratio {rt[n]['realism_ratio'] or 0:.3f} KS {rt[n]['forget_quality']:.3g} "
              f"mse {ftr:.5f} | s {secs.get(n)}", flush=True)
    return out
