#!/usr/bin/env python
"""Keep what tools/gpu_seeds.sh brought back as one book artifact: per seed, the numbers the realism issue judges.

Usage: python tools/seeds_artifact.py OUT.json --tgz SEEDS_TGZ --commit TEXT --command TEXT
   or: python tools/seeds_artifact.py OUT.json --run-dir DIR --bench class --machine TEXT --commit TEXT --command TEXT
SEEDS_TGZ is gpu_seeds.sh's OUTDIR/seeds.tgz; DIR is the --out folder of a local `i2i-unlearn run --seeds N` (its
DIR/seed_S/results.json become benchmark BENCH). Writes {schema, command, commit, machine, jobs, class, canary,
diffusion, audit, diffusion_audit}: for each run benchmark and seed, per model `experiments.table_numbers` and the
references' plateau tests; for each audit seed, per model `audit.audit_numbers`. Means and intervals are not stored: the chapters compute them from the per-seed values.
"""
import argparse, json, re, sys, tarfile
from pathlib import Path
from i2i_unlearn.audit import audit_numbers
from i2i_unlearn.experiments import table_numbers

SCHEMA = 'i2i_unlearn/gpu-seeds/v1'
BENCHES = ('class', 'canary', 'diffusion')  # run benchmarks: gpu_seeds.sh's job prefixes, --bench for a local run

def members(tgz) -> dict:
    "seeds/NAME -> text, for the archive's text files."
    with tarfile.open(tgz) as t:
        return {m.name: t.extractfile(m).read().decode() for m in t.getmembers() if m.isfile()}

def run_seed(res:dict) -> dict:
    "One seed of `i2i-unlearn run`: its table numbers (`experiments.table_numbers`) and the plateau tests."
    plateau = {n: {k: c[k] for k in ('improvement', 'converged', 'last_epochs', 'tol')}
               for n, c in res['convergence'].items()}
    return dict(models=table_numbers(res), plateau=plateau, data=res['data'], config=res['config'])

def audit_seed(res:dict) -> dict:
    "One seed of `i2i-unlearn audit`: per model what the realism issue reads (`audit.audit_numbers`)."
    return dict(models=audit_numbers(res), config=res['config'])

def jobs(summary:str) -> dict:
    "gpu_seeds.sh's summary lines -> {name: {exit, seconds}}."
    rows = re.findall(r'^(\S+) exit (\S+) seconds (\d+)$', summary, re.M)
    return {n: dict(exit=e, seconds=int(s)) for n, e, s in rows}

def collect(files:dict, prefix:str, name:str, parse) -> dict:
    "Per seed (str) the parsed results of the jobs PREFIX-SEED that finished."
    found = {}
    for path, text in files.items():
        m = re.fullmatch(rf'seeds/{prefix}-(\d+)/{name}', path)
        if m: found[m.group(1)] = parse(json.loads(text))
    return dict(sorted(found.items()))

def run_dir_files(run_dir:str, bench:str) -> dict:
    "A local `run --seeds N` folder as the archive's names: seeds/BENCH-S/results.json per seed."
    found = sorted(Path(run_dir).glob('seed_*/results.json'))
    if not found: raise OSError(f"no seed_*/results.json in {run_dir}")
    return {f"seeds/{bench}-{p.parent.name.removeprefix('seed_')}/results.json": p.read_text() for p in found}

def main(argv:list) -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument('out')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--tgz')
    src.add_argument('--run-dir')
    p.add_argument('--bench', choices=BENCHES, default='class')
    p.add_argument('--machine', help='with --run-dir: the machine the run ran on')
    p.add_argument('--commit', required=True)
    p.add_argument('--command', required=True)
    a = p.parse_args(argv)
    if a.run_dir and not a.machine: p.error('--run-dir needs --machine')
    if a.run_dir:
        try: files = run_dir_files(a.run_dir, a.bench) | {'seeds/env.txt': a.machine}
        except OSError as e:
            print(f"seeds_artifact: error: {e}; valid: the --out folder of `i2i-unlearn run --seeds N`", file=sys.stderr)
            return 2
    else:
        try: files = members(a.tgz)
        except (OSError, tarfile.TarError) as e:
            print(f"seeds_artifact: error: cannot read {a.tgz} ({e}); valid: gpu_seeds.sh's OUTDIR/seeds.tgz",
                  file=sys.stderr)
            return 2
    art = dict(schema=SCHEMA, command=a.command, commit=a.commit, machine=files['seeds/env.txt'].strip().splitlines(),
               jobs=jobs(files.get('seeds/jobs.txt', '')),
               **{k: collect(files, k, 'results.json', run_seed) for k in BENCHES},
               audit=collect(files, 'audit', 'audit.json', audit_seed),
               diffusion_audit=collect(files, 'daudit', 'audit.json', audit_seed))
    with open(a.out, 'w') as f: f.write(json.dumps(art, indent=1) + '\n')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
