"""Build the sdist and the wheel, check what they hold, install the wheel in a fresh venv, run the CLI.

    python tools/test_wheel.py [WORKDIR]      # WORKDIR defaults to a new temporary folder

1. `python -m build` (sdist, then the wheel built from the unpacked sdist, so a file missing from the
   sdist breaks the wheel too). `--no-isolation` when setuptools is installed, so nothing is fetched;
   WHEEL_ISOLATION=1 builds in an isolated environment instead (needs the package index).
2. The wheel must hold the package, the embedded Fashion-MNIST files (byte-identical to the repo's)
   with their licence notice, the console script and the licence; the sdist must hold settings.ini.
3. A fresh venv (no system site-packages, no pip, nothing of the repo on its path). torch and the
   other requirements are not downloaded again: a dependency layer of symlinks holds exactly the
   closure of the wheel's declared requirements, taken from the current environment (so an
   undeclared dependency fails the test), added to the venv by a .pth file. Before the install
   `import i2i_unlearn` must fail there; then pip installs the wheel with --no-index, resolving its
   requirements against that venv (a missing one fails).
4. From a temporary working folder: `i2i-unlearn info`, `python -m i2i_unlearn info`, the embedded
   data loads from the venv's copy, and `i2i-unlearn run --quick` once the CLI has a `run` command.
"""
import importlib.metadata as md, json, os, re, shutil, subprocess, sys, tarfile, tempfile, time, venv, zipfile
from pathlib import Path
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ['i2i_unlearn/assets/fashion_mnist/LICENSE', 'i2i_unlearn/assets/fashion_mnist/t10k-images-idx3-ubyte.gz',
          'i2i_unlearn/assets/fashion_mnist/t10k-labels-idx1-ubyte.gz']


def say(*a): print('test_wheel:', *a, flush=True)


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode: raise SystemExit(f'test_wheel: {" ".join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}')
    return r.stdout


def build(dist):
    iso = os.environ.get('WHEEL_ISOLATION') == '1'
    try: import setuptools  # noqa: F401
    except ImportError: iso = True
    sh([sys.executable, '-m', 'build', '--outdir', str(dist), *([] if iso else ['--no-isolation']), str(ROOT)], cwd=ROOT)
    (whl,), (sdist,) = dist.glob('*.whl'), dist.glob('*.tar.gz')
    return whl, sdist


def check_contents(whl, sdist):
    with zipfile.ZipFile(whl) as z:
        names = set(z.namelist())
        for a in ASSETS:
            if a not in names: raise SystemExit(f'test_wheel: {a} is not in the wheel')
            if z.read(a) != (ROOT / a).read_bytes(): raise SystemExit(f'test_wheel: {a} differs in the wheel')
        meta = next(n for n in names if n.endswith('.dist-info/METADATA'))
        ep = z.read(meta.replace('METADATA', 'entry_points.txt')).decode()
        if not re.search(r'^i2i-unlearn\s*=\s*i2i_unlearn\.cli:main', ep, re.M): raise SystemExit('test_wheel: no i2i-unlearn console script')
        if not any(re.search(r'\.dist-info/(licenses/)?LICENSE$', n) for n in names): raise SystemExit('test_wheel: no LICENSE in the wheel')
        if not 'Zalando' in z.read(ASSETS[0]).decode(): raise SystemExit('test_wheel: the data licence notice lost its text')
        stray = sorted(n for n in names if n.startswith(('nbs/', 'tests/', 'tools/')))
        if stray: raise SystemExit(f'test_wheel: the wheel holds {stray[:5]}')
        reqs = [l.split(':', 1)[1].strip() for l in z.read(meta).decode().splitlines() if l.startswith('Requires-Dist:')]
    with tarfile.open(sdist) as t:
        snames = {n.split('/', 1)[1] for n in t.getnames() if '/' in n}
    for f in ['settings.ini', 'setup.py', 'pyproject.toml', 'LICENSE', 'README.md', *ASSETS]:
        if f not in snames: raise SystemExit(f'test_wheel: {f} is not in the sdist')
    return reqs, sum(1 for n in names if n.endswith('.py')), len(snames)


def closure(reqs):
    "The installed distributions that the requirements `reqs` need, recursively (extras and markers followed)."
    seen, todo = {}, [(Requirement(r), '') for r in reqs]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({'extra': extra}): continue
        key = canonicalize_name(req.name)
        try: dist = md.distribution(req.name)
        except md.PackageNotFoundError: raise SystemExit(f'test_wheel: requirement {req} is not installed here')
        if not req.specifier.contains(dist.version, prereleases=True):
            raise SystemExit(f'test_wheel: requirement {req} not met by the installed {dist.version}')
        new_extras = set(req.extras) - seen.get(key, (None, set()))[1]
        if key in seen and not new_extras: continue
        extras = seen.get(key, (dist, set()))[1] | set(req.extras)
        seen[key] = (dist, extras)
        for r in dist.requires or []:
            rr = Requirement(r)
            if rr.marker is None or rr.marker.evaluate({'extra': ''}): todo.append((rr, ''))
            for e in extras:
                if rr.marker and rr.marker.evaluate({'extra': e}): todo.append((rr, e))
    return [d for d, _ in seen.values()]


def dependency_layer(dists, layer):
    "Symlink the top-level files of `dists` into `layer`: the venv sees these and nothing else."
    layer.mkdir(parents=True)
    for d in dists:
        base = Path(d.locate_file(''))
        tops = {Path(str(f)).parts[0] for f in d.files or [] if not str(f).startswith('..')}
        for t in tops:
            src, dst = base / t, layer / t
            if src.exists() and not dst.exists() and not t.endswith('.pth'): dst.symlink_to(src)
    return sorted(p.name for p in layer.iterdir())


def main(argv=sys.argv[1:]):
    t0 = time.time()
    work = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix='i2i_wheel.'))
    work.mkdir(parents=True, exist_ok=True)
    whl, sdist = build(work / 'dist')
    reqs, n_py, n_sdist = check_contents(whl, sdist)
    say(f'built {whl.name} ({whl.stat().st_size/1e6:.1f} MB, {n_py} modules) and {sdist.name} ({n_sdist} files) in {time.time()-t0:.0f} s')

    env = work / 'venv'
    venv.EnvBuilder(with_pip=False, system_site_packages=False, clear=True).create(env)
    py = env / 'bin' / 'python'
    site = Path(sh([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).strip())
    layer = work / 'deps'
    tops = dependency_layer(closure(reqs), layer)
    (site / '_i2i_wheel_test_deps.pth').write_text(f'import site; site.addsitedir({str(layer)!r})\n')
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTHON', 'VIRTUAL_ENV', 'IN_TEST'))}
    run_env.update(PYTHONNOUSERSITE='1', PATH=f'{env / "bin"}:{run_env.get("PATH", "")}', MPLBACKEND='Agg')
    cwd = work / 'cwd'; cwd.mkdir(exist_ok=True)
    r = subprocess.run([str(py), '-c', 'import i2i_unlearn'], cwd=cwd, env=run_env, capture_output=True, text=True)
    if r.returncode == 0 or 'No module named' not in r.stderr:
        raise SystemExit(f'test_wheel: the fresh venv can import i2i_unlearn before the install:\n{r.stderr}')
    sh([sys.executable, '-m', 'pip', '--python', str(py), 'install', '--no-index', '--no-cache-dir', '-q', str(whl)], cwd=cwd, env=run_env)
    say(f'fresh venv {env}: {len(tops)} entries in its dependency layer, wheel installed with --no-index')

    out = sh([str(env / 'bin' / 'i2i-unlearn'), 'info'], cwd=cwd, env=run_env)
    if 'datasets:' not in out or 'fashion-mnist-10k' not in out: raise SystemExit(f'test_wheel: i2i-unlearn info said:\n{out}')
    if sh([str(py), '-m', 'i2i_unlearn', 'info'], cwd=cwd, env=run_env) != out: raise SystemExit('test_wheel: python -m i2i_unlearn info differs')
    probe = ('import json, i2i_unlearn, i2i_unlearn.data as d; ds = d.load("fashion-mnist-10k"); '
             'print(json.dumps({"pkg": i2i_unlearn.__file__, "lic": str(d._embedded("LICENSE")), "n": len(ds), '
             '"version": i2i_unlearn.__version__}))')
    info = json.loads(sh([str(py), '-c', probe], cwd=cwd, env=run_env).strip().splitlines()[-1])
    for k in ('pkg', 'lic'):
        if not Path(info[k]).resolve().is_relative_to(site.resolve()): raise SystemExit(f'test_wheel: {k} comes from {info[k]}, not the venv')
    if info['n'] != 10_000: raise SystemExit(f'test_wheel: the embedded data set has {info["n"]} images')
    say(f'i2i-unlearn {info["version"]} runs from {cwd}: info, python -m, embedded data ({info["n"]} images) from the venv')

    if re.search(r'\brun\b', sh([str(env / 'bin' / 'i2i-unlearn'), '--help'], cwd=cwd, env=run_env)):
        t1 = time.time()
        sh([str(env / 'bin' / 'i2i-unlearn'), 'run', '--quick', '--out', str(cwd / 'runs' / 'quick')], cwd=cwd, env=run_env, timeout=900)
        res = json.loads((cwd / 'runs' / 'quick' / 'results.json').read_text())
        if res.get('schema') != 'i2i_unlearn/results/v1': raise SystemExit('test_wheel: run --quick wrote no v1 results.json')
        say(f'i2i-unlearn run --quick from the wheel: results.json in {time.time()-t1:.0f} s')
    else:
        say('i2i-unlearn has no run command yet: run --quick not tried')
    say(f'passed in {time.time()-t0:.0f} s')
    return 0


if __name__ == '__main__': sys.exit(main())
