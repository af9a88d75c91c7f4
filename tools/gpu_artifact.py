#!/usr/bin/env python
"""Keep what tools/gpu_check.sh brought back from a GPU as one book artifact.

Usage: python tools/gpu_artifact.py OUT.json --bench BENCH_DIR --sweep SWEEP_DIR --commit TEXT --command TEXT
BENCH_DIR and SWEEP_DIR are gpu_check.sh output folders (the bench and the stream + sweep may come from
different calls): BENCH_DIR/bench.json, SWEEP_DIR/gpu_check.tgz (env.txt, stream.log, stream/results.json,
scaling/scaling.json). Writes {command, commit, machine, bench, stream, scaling}; the scale chapter renders it.
"""
import argparse, json, re, sys, tarfile
from pathlib import Path

def member(tgz:Path, name:str) -> str:
    "The text of gpu_check/NAME inside the archive."
    with tarfile.open(tgz) as t: return t.extractfile(f'gpu_check/{name}').read().decode()

def seconds_of(m) -> float:
    "Seconds of a matched GNU time 'h:mm:ss' or 'm:ss' clock."
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))

def stream_summary(tgz:Path) -> dict:
    "Exit status, wall seconds and peak RSS (GNU time) of the streaming run, and its data summary."
    log = member(tgz, 'stream.log')
    rss = re.search(r'Maximum resident set size \(kbytes\): (\d+)', log)
    wall = re.search(r'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)', log)
    res = json.loads(member(tgz, 'stream/results.json'))
    return dict(exit_status=int(re.search(r'Exit status: (\d+)', log).group(1)),
                maxrss_mib=int(rss.group(1)) / 1024 if rss else None,
                wall_seconds=seconds_of(wall) if wall else None,
                data=res['data'], seconds={m: v['seconds'] for m, v in res['models'].items()})

def main(argv:list) -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument('out'); p.add_argument('--bench', required=True); p.add_argument('--sweep', required=True)
    p.add_argument('--commit', required=True); p.add_argument('--command', required=True)
    a = p.parse_args(argv)
    bench, tgz = Path(a.bench) / 'bench.json', Path(a.sweep) / 'gpu_check.tgz'
    for f in (bench, tgz):
        if not f.exists():
            print(f"gpu_artifact: error: {f} not found; valid: a gpu_check.sh output folder", file=sys.stderr)
            return 2
    art = dict(command=a.command, commit=a.commit, machine=member(tgz, 'env.txt').strip().splitlines(),
               bench=json.loads(bench.read_text()), stream=stream_summary(tgz),
               scaling=json.loads(member(tgz, 'scaling/scaling.json')))
    Path(a.out).write_text(json.dumps(art, indent=1) + '\n')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
