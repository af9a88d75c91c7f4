#!/usr/bin/env python
"""decouple's routing on converged references: the memorization proxy, the route, and the numbers issue 15 judges.

Usage: python tools/route_check.py [--refs BENCH:DIR,...] [--audits DIR,...]
       [--methods decouple,decouple:route=False,finetune,li2024] [--quick] [--out nbs/results/route_check_cpu.json]
BENCH is class or canary and DIR a seed_S reference folder of `tools/reference_budget.py --bench BENCH --keep`
(original, retrain and retrain_2 .safetensors). An audit DIR is the --out folder of `i2i-unlearn audit` (its
config.toml, audit.json and models/*.safetensors). Each method unlearns the saved original again (seed 0 for a
reference folder, the audit's seed for an audit); nothing is retrained. Per benchmark the artifact records decouple's
route (`unlearn.choose_route`'s record: proxy, route; read from decouple's log, in an audit from its certificate), and per model the realism numbers, named as `experiments.COLUMNS`
names them: for class and canary, forget-test and forget-train realism ratio and forget quality (KS p) against the
two oracles, retain-test and forget-test MSE over oracle 1's, seconds, and cost_ratio (seconds over oracle 1's training seconds); for
the audit, `audit.audit_numbers`, seconds and cost_ratio. One torch thread.

Oracle 1's seconds were measured when it was trained, often under another load than the methods' now. So per folder the
tool also times MATCH_EPOCHS epochs of oracle 1's recipe (same batch size and step size; the held-out curve where the
reference recorded one: reference folders, and audits that record `heldout_loss`; no checkpoint) in this process right
after the methods, scales them to the recipe's epochs
(oracle_seconds_here) and reports cost_ratio_here = seconds / oracle_seconds_here: both sides timed under one load.
"""
import os, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from artifact import OneLineParser, provenance, write
from reference_budget import BENCHES
from saliency_ladder import parse_refs, reference_model

ORACLES = ['retrain', 'retrain_2']
METHODS = 'decouple,decouple:route=False,finetune,li2024'
MATCH_EPOCHS = 3  # epochs of the oracle's recipe timed next to the methods (scaled to the recipe's epochs)

def oracle_seconds_timed(original, splits, task, match:int, batch_size:int, lr:float, seed:int, heldout=None) -> float:
    "Seconds of `match` epochs of `retrain` (the oracle recipe's first epochs), timed under the current load."
    from i2i_unlearn.unlearn import unlearn
    r = unlearn(original, splits, 'retrain', task, seed=seed, epochs=match, batch_size=batch_size, lr=lr,
                heldout=heldout)
    return r.seconds

def oracle_seconds_here(original, splits, task, epochs:int, batch_size:int, lr:float, seed:int, heldout=None,
                        match:int=MATCH_EPOCHS) -> float:
    "The oracle recipe's seconds under the current load: `match` epochs of `retrain`, timed, x epochs / `match`."
    return oracle_seconds_timed(original, splits, task, match, batch_size, lr, seed, heldout) * epochs / match

def recipe_of(d:Path) -> tuple:
    "(epochs, lr) of a reference folder .../e{epochs}_lr{lr}/seed_S, as `tools/reference_budget.py --keep` names it."
    import re
    m = re.fullmatch(r'e(\d+)_lr([0-9.e+-]+)', d.parent.name)
    if m is None: raise ValueError(f"--refs: {d.parent.name} is not e{{epochs}}_lr{{lr}} (reference_budget's --keep layout)")
    return int(m[1]), float(m[2])

def reference_bench(bench:str, d:Path, methods:list, quick:bool=False) -> dict:
    "The route and per model the realism numbers, for one reference folder."
    import json
    from i2i_unlearn.core import RunConfig, parse_method, quick_options
    from i2i_unlearn.experiments import load_run_data
    from i2i_unlearn.metrics import realism
    from i2i_unlearn.train import eval_losses
    from i2i_unlearn.unlearn import METHODS as UMETHODS, unlearn
    seed = int(d.name.removeprefix('seed_'))
    epochs, lr = recipe_of(d)
    cfg = RunConfig(seed=seed, epochs=epochs, lr=lr, **BENCHES[bench])
    _, sp, task = load_run_data(cfg)  # the splits the references trained on
    models = {n: reference_model(d, n) for n in ['original', *ORACLES]}
    trained = json.loads((d / 'retrain.safetensors.json').read_text())['seconds']
    secs, routes = {}, {}
    for spec in methods:
        name, kw = parse_method(spec, UMETHODS)
        r = unlearn(models['original'], sp, name, task, seed=0, **(quick_options(name) if quick else {}) | kw)
        models[spec], secs[spec] = r.model, r.seconds
        if r.log.get('route'): routes[spec] = r.log['route']
    here = oracle_seconds_here(models['original'], sp, task, epochs, cfg.batch_size, lr, seed, sp.retain_val.x)
    ref = float(eval_losses(models['retrain'], sp.retain_test.x, task).mean())
    fref = float(eval_losses(models['retrain'], sp.forget_test.x, task).mean())
    ft, fr = (realism(models, ORACLES, getattr(sp, s).x, task) for s in ('forget_test', 'forget_train'))
    rows = {n: dict(forget_test_realism_ratio=ft[n]['realism_ratio'], forget_test_ks_p=ft[n]['forget_quality'],
                    forget_train_realism_ratio=fr[n]['realism_ratio'], forget_train_ks_p=fr[n]['forget_quality'],
                    retain_test_mse_over_oracle=float(eval_losses(m, sp.retain_test.x, task).mean()) / ref,
                    forget_test_mse_over_oracle=float(eval_losses(m, sp.forget_test.x, task).mean()) / fref,
                    seconds=secs.get(n), cost_ratio=secs[n] / trained if n in secs else None,
                    cost_ratio_here=secs[n] / here if n in secs else None)
            for n, m in models.items()}
    return dict(bench=bench, seed=seed, folder=str(d), oracle_seconds=trained, oracle_seconds_here=here,
                match_epochs=MATCH_EPOCHS, routes=routes, models=rows)

def audit_bench(d:Path, methods:list) -> dict:
    "The route and per model `audit.audit_numbers`, for one audit folder (its saved models, unlearned again)."
    import json, tomllib
    from safetensors.torch import load_file
    from i2i_unlearn import audit as A
    from i2i_unlearn.core import get_device
    from i2i_unlearn.models import build_model, task_kwargs
    opts = tomllib.loads((d / 'config.toml').read_text())
    c = A.AuditConfig(**{k: v for k, v in opts.items() if k != 'out'} | dict(methods=tuple(methods))).resolved()
    ds, data = A.audit_data(c)
    def get(name):
        m = build_model(c.model, c.image_size, **task_kwargs(c.model, c.task, c.mask_ratio))
        m.load_state_dict(load_file(d / 'models' / f'{name}.safetensors'))
        return m.eval()
    refs = {n: get(n) for n in ['original', *A.oracle_names(c.oracles)]}
    variants = A.method_variants(c.methods)
    new, secs, certs = A.unlearn_variants(c, refs['original'], data, variants, say=lambda m: None)
    oracle = json.loads((d / 'audit.json').read_text())['models']['retrain']
    curve = data.splits.retain_val.x if 'heldout_loss' in oracle else None  # newer audits evaluate it every epoch
    here = oracle_seconds_here(refs['original'], data.splits, data.task, c.epochs, c.batch_size, c.lr, c.seed, curve)
    models = refs | new
    thr = A.calibrate_threshold(models['original'], data.calib, data.task, data.poison)
    res = A.audit_models(models, data, thr, c.alpha, c.beta)
    p, q = A.rate_bounds(res['original']['calib_rate'], res['retrain']['calib_rate'], len(data.calib), c.alpha, c.beta)
    regen = A.regenerate_all(c=c, models=models, data=data, threshold=thr, p=p, q=q)
    real, ratios = A.audit_realism(models=models, oracles=list(refs)[1:], data=data), A.effect_ratios(rates=res)
    for k in models:
        res[k] |= dict(seconds=secs.get(k), trigger_effect_ratio=ratios[k], realism=real[k], regeneration=regen.get(k, []))
    report = A.audit_report(c=c, ds=ds, data=data, res=res, threshold=thr, variants=variants, device=get_device('cpu'))
    trained = oracle['seconds']
    rows = {n: r | dict(seconds=secs.get(n), cost_ratio=secs[n] / trained if n in secs else None,
                        cost_ratio_here=secs[n] / here if n in secs else None)
            for n, r in A.audit_numbers(report).items()}
    routes = {k: cert['measured']['route'] for k, cert in certs.items() if cert['measured'].get('route')}
    return dict(bench='audit', seed=c.seed, folder=str(d), oracle_seconds=trained, oracle_seconds_here=here,
                match_epochs=MATCH_EPOCHS, routes=routes, models=rows)

def parse_audits(text:str) -> list:
    "'DIR,DIR' -> [Path, ...]; ValueError unless each holds config.toml, audit.json and models/original.safetensors."
    out = [Path(t) for t in text.split(',') if t]
    for d in out:
        if not all((d / f).is_file() for f in ('config.toml', 'audit.json', 'models/original.safetensors')):
            raise ValueError(f"--audits: {d} is not an `i2i-unlearn audit` folder (config.toml, audit.json, models/)")
    return out

def main(argv:list) -> int:
    p = OneLineParser(prog='route_check', description=__doc__.strip().splitlines()[0])
    p.add_argument('--refs', default='', help="BENCH:DIR,... (BENCH class or canary; DIR a seed_S reference folder)")
    p.add_argument('--audits', default='', help="comma-separated `i2i-unlearn audit` --out folders")
    p.add_argument('--methods', default=METHODS, help="comma-separated method specs, as `run --method` takes them")
    p.add_argument('--quick', action='store_true', help="shorten every method on reference folders (`core.quick_options`), "
                   "to try the tool; an audit folder's methods follow its own config's quick")
    p.add_argument('--out', default='nbs/results/route_check_cpu.json')
    a = p.parse_args(argv)
    from i2i_unlearn.core import UserError, parse_method
    from i2i_unlearn.unlearn import METHODS as UMETHODS
    try:
        refs = parse_refs(a.refs) if a.refs else []
        for _, d in refs: recipe_of(d)
        audits = parse_audits(a.audits)
        methods = [m for m in a.methods.split(',') if m]
        if not (refs or audits): raise ValueError("give --refs, --audits or both")
        for m in methods: parse_method(m, UMETHODS)
    except (ValueError, UserError) as e: print(f"route_check: error: {e}", file=sys.stderr); return 2
    if not Path(a.out).parent.is_dir():
        print(f"route_check: error: --out's folder {Path(a.out).parent} does not exist", file=sys.stderr); return 2
    import torch
    torch.set_num_threads(1)
    made = provenance(['python', 'tools/route_check.py', *argv], ', one torch thread')
    load = os.getloadavg()[0]
    rows = [reference_bench(b, d, methods, a.quick) for b, d in refs] + [audit_bench(d, methods) for d in audits]
    write(a.out, made | dict(result=dict(methods=methods, quick=a.quick, load_before=load, load_after=os.getloadavg()[0], rows=rows)))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
