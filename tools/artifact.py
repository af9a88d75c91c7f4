#!/usr/bin/env python
"""Run an i2i-unlearn command and keep its JSON result as a book artifact, with how it was made.

Usage: python tools/artifact.py NAME -- i2i-unlearn run --seeds 3 --out runs/NAME [...]
Writes nbs/results/NAME.json = {command, commit, uncommitted_changes, machine, date, result}, where
result is the command's OUT/results.json (run), OUT/audit.json (audit) or OUT/bench.json (bench) or OUT/scaling.json (tools/scaling.py). The chapters load these
files and render them; no measured number is typed into the book.
"""
import argparse, datetime, json, os, platform, shlex, subprocess, sys
from pathlib import Path

def out_dir(cmd:list) -> Path|None:
    "The --out folder of the command, or None (it is required: the result is read from there)."
    for i, a in enumerate(cmd):
        if a == '--out' and i + 1 < len(cmd): return Path(cmd[i + 1])
        if a.startswith('--out='): return Path(a.split('=', 1)[1])
    return None

def cpu_model() -> str:
    "The CPU's model name (Linux: /proc/cpuinfo), or 'cpu model unknown'."
    try: lines = Path('/proc/cpuinfo').read_text().splitlines()
    except OSError: return 'cpu model unknown'
    return next((l.split(':', 1)[1].strip() for l in lines if l.startswith('model name')), 'cpu model unknown')

def machine(load:float) -> str:
    ("CPU (model, the vector instructions torch uses), cores, torch threads and version: what the seconds depend on, "
     "and the numbers too (the same seed trains to different weights on CPUs whose kernels differ).")
    import torch
    return (f"{platform.processor() or platform.machine()} ({cpu_model()}, {torch.backends.cpu.get_cpu_capability()}), "
            f"{os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
            f"torch {torch.__version__}, cuda {torch.cuda.is_available()}, 1-minute load average {load:.2f} at the start")

class OneLineParser(argparse.ArgumentParser):
    "argparse for the tools: a bad argument is one line, 'PROG: error: ...', on stderr and exit code 2 (no usage block)."
    def error(self, message): print(f"{self.prog}: error: {message}", file=sys.stderr); sys.exit(2)

def provenance(command:list, # the command line that makes the artifact
               note:str='', # appended to the machine description (e.g. how many processes shared it)
              ) -> dict:
    ("How an artifact was made, read when the command starts: {command, commit, uncommitted_changes, machine, date}. "
     "uncommitted_changes is true when `git status` lists anything (tracked or untracked, not ignored).")
    git = lambda *a: subprocess.run(['git', *a], capture_output=True, text=True).stdout.strip()
    return dict(command=' '.join(map(shlex.quote, command)), commit=git('rev-parse', 'HEAD'),
                uncommitted_changes=bool(git('status', '--porcelain')), machine=machine(os.getloadavg()[0]) + note,
                date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'))

def write(path, # where the JSON goes
          rec:dict, # `provenance(...)` plus the results
         ) -> None:
    "Strict JSON (no NaN) and one line on stderr naming the file."
    Path(path).write_text(json.dumps(rec, indent=1, allow_nan=False) + '\n')
    print(f"wrote {path}", file=sys.stderr)

def main(argv:list) -> int:
    if len(argv) < 3 or argv[1] != '--':
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    name, cmd = argv[0], argv[2:]
    out = out_dir(cmd)
    if out is None:
        print("artifact: error: the command needs --out DIR (its results.json or audit.json becomes the artifact)", file=sys.stderr)
        return 2
    made = provenance(cmd)
    rc = subprocess.run(cmd).returncode
    if rc: print(f"artifact: error: the command exited with {rc}; nothing written", file=sys.stderr); return rc
    found = [p for p in (out / 'results.json', out / 'audit.json', out / 'bench.json', out / 'scaling.json') if p.exists()]
    if not found: print(f"artifact: error: no results.json, audit.json or bench.json in {out}", file=sys.stderr); return 2
    write(Path('nbs/results') / f'{name}.json', made | dict(result=json.loads(found[0].read_text())))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
