"""Turn the nbdev chapters in `nbs/` into a Jupyter Book 1 source folder, or a Quarto one.

nbdev marks cells with `#|` directives that neither Jupyter Book (myst-nb) nor, for some of them,
Quarto understands. This maps them and writes a copy; the chapters themselves are never touched.

    python tools/nb_to_book.py run NOTEBOOK DEST [--flags slow]   # execute one mapped chapter into DEST
    python tools/nb_to_book.py run-all DEST [--jobs 2] [--chapters ...]  # every chapter, DEST/status.json
    python tools/nb_to_book.py book DEST [--chapters 00_core,02_data] [--flags slow] [--executed DIR]
    python tools/nb_to_book.py quarto DEST         # Quarto-ready copy; then `quarto render DEST`
    python tools/nb_to_book.py quarto-yml [--check] # rewrite (or check) the chapter list in _quarto.yml
    python tools/nb_to_book.py chapters            # print the one chapter list

The one chapter list is nbdev's rule: `index.ipynb` first, then `sorted(nbs/*.ipynb)`, skipping
names that start with `_` or `.`. The Jupyter Book `_toc.yml` is generated from it at build time,
and the committed `_quarto.yml` is generated from it too (tests/test_book.py checks it has not drifted).

Book mapping (myst-nb cell tags):
  #| hide, #| export, #| exporti, #| default_exp, #| include: false  -> remove-cell (still executed)
  #| exports                                        -> shown (nbdev's meaning: export and show the code)
  #| eval: false, and the tst_flags of settings.ini (slow, gpu) -> skip-execution, unless --flags names them
  #| echo: false -> remove-input;  #| output: false -> remove-output
  #| widget     -> remove-output, and a note that the widget is live only in Jupyter (a static site
                   cannot run a kernel); put a static view (e.g. the plot at the default values) in the
                   next cell if the reader should see one
  markdown: a blank line around each `$$ ... $$` block (MyST reads one inside a paragraph as inline math)
  show_doc(...) cells -> remove-input. After each exported cell a `show_doc(name)` cell is added for
  every public function and class it defines (nbdev's own rule), and a hidden setup cell at the top
  imports `show_doc` and drops the leading `---` of its markdown (MyST would read it as a transition).
Directive lines are stripped from every cell's source, so the reader sees only the code.

Execution, once per chapter: `run` executes a mapped chapter in nbdev_test's own executor (execnb's
CaptureShell, in the chapter's folder, IN_TEST as set by the caller) with nbdev_test's skip rules (cells
tagged skip-execution, i.e. `#| eval: false` and the test flags, and `nbdev_export()` calls), stops at the
first cell error with its traceback, and writes the chapter with its outputs. `run-all` runs every chapter
that way in `--jobs` fresh processes; the test suite's notebook tests and the book both read its output,
and `book --executed DIR` renders those outputs without executing anything again (myst-nb
`execute_notebooks: off`).
"""
import argparse, ast, configparser, copy, json, os, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HIDE = {'hide', 'export', 'exporti', 'default_exp'}
EXPORTED = {'export', 'exporti', 'exports'}
NBDEV_ONLY = HIDE | EXPORTED | {'widget', 'exec_doc', 'hide_line', 'filter_stream'}
_re_directive = re.compile(r'^\s*#\s*\|\s?(.*)$')
_re_showdoc = re.compile(r'^\s*show_doc\(', re.M)

SETUP_SRC = '''import re as _re
from nbdev.showdoc import show_doc, BasicMarkdownRenderer as _BMR
def _book_md(self):  # MyST reads a leading '---' as a transition, and not Quarto's {target=...} link attributes
    md = self._book_orig_md().removeprefix('---\\n\\n')
    return _re.sub(r'\\[source\\]\\(([^)]*?)(?:#LNone)?\\)\\{[^}]*\\}', r'<a href="\\1" style="float:right; font-size:smaller">source</a>', md, count=1)
if not hasattr(_BMR, '_book_orig_md'): _BMR._book_orig_md, _BMR._repr_markdown_ = _BMR._repr_markdown_, _book_md'''
WIDGET_NOTE = (':::{note}\nThe cell above builds an interactive widget. A static page cannot run a '
               'kernel, so the book leaves its output out: open the notebook in Jupyter to use it.\n:::')


def settings(root=ROOT):
    cfg = configparser.ConfigParser(delimiters=['='])
    cfg.read(Path(root) / 'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']


def chapters(nbs=ROOT / 'nbs'):
    "The one chapter list: index first, then the other notebooks in name order."
    names = sorted(p.name for p in Path(nbs).glob('*.ipynb') if not p.name.startswith(('_', '.')))
    if 'index.ipynb' not in names: raise SystemExit(f'{nbs} has no index.ipynb')
    return ['index.ipynb'] + [n for n in names if n != 'index.ipynb']


def directives(src):
    "nbdev directives at the top of a cell, as {key: value}, and the source without them."
    lines, d = src.splitlines(), {}
    i = 0
    while i < len(lines) and (m := _re_directive.match(lines[i])):
        words = m.group(1).strip().split(None, 1)
        if words: d[words[0].rstrip(':')] = words[1].strip() if len(words) > 1 else ''
        i += 1
    return d, '\n'.join(lines[i:]).lstrip('\n')


def public_defs(src):
    "Names of the public functions and classes a cell defines (what nbdev documents)."
    try: tree = ast.parse(src)
    except SyntaxError: return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [n.name for n in tree.body if isinstance(n, kinds) and not n.name.startswith('_')]


def _code(src, tags=()):
    md = {'tags': list(tags)} if tags else {}
    return dict(cell_type='code', execution_count=None, metadata=md, outputs=[], source=src)


def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


def book_cell_tags(d, src, skip_flags):
    "myst-nb tags for a code cell with directives `d`."
    tags = []
    if HIDE & d.keys() or d.get('include') == 'false': tags.append('remove-cell')
    if d.get('eval') == 'false' or skip_flags & d.keys(): tags.append('skip-execution')
    if d.get('echo') == 'false' or _re_showdoc.search(src): tags.append('remove-input')
    if d.get('output') == 'false' or 'widget' in d: tags.append('remove-output')
    return tags


def display_math(md):
    """Markdown `md` with a blank line before and after each `$$ ... $$` block. MyST reads a display block
    inside a paragraph as `$` + inline math + `$` (the text around it turns into math); Jupyter and nbdev's
    Quarto do not need the blank lines, so the chapters may leave them out."""
    lines, out, i = md.split('\n'), [], 0
    while i < len(lines):
        if not lines[i].lstrip().startswith('$$'):
            out.append(lines[i])
            i += 1
            continue
        end = i if lines[i].count('$$') >= 2 else next((j for j in range(i + 1, len(lines)) if '$$' in lines[j]), i)
        if out and out[-1].strip(): out.append('')
        out.extend(lines[i:end + 1])
        if end + 1 < len(lines) and lines[end + 1].strip(): out.append('')
        i = end + 1
    return '\n'.join(out)


def to_book(nb, skip_flags):
    "A copy of notebook `nb` for Jupyter Book."
    nb, cells, documented = copy.deepcopy(nb), [], set()
    for c in nb['cells']:
        if c['cell_type'] == 'code': documented |= set(re.findall(r'^\s*show_doc\((\w+)', _src(c), re.M))
    for c in nb['cells']:
        if c['cell_type'] != 'code':
            c['source'] = display_math(_src(c)) if c['cell_type'] == 'markdown' else _src(c)
            cells.append(c)
            continue
        d, body = directives(_src(c))
        tags = book_cell_tags(d, _src(c), skip_flags)
        c['source'], c['outputs'], c['execution_count'] = body, [], None
        c['metadata'] = {**c.get('metadata', {}), 'tags': sorted(set(c.get('metadata', {}).get('tags', [])) | set(tags))}
        cells.append(c)
        if 'widget' in d: cells.append(dict(cell_type='markdown', metadata={}, source=WIDGET_NOTE))
        if EXPORTED & d.keys() and 'skip-execution' not in tags and 'hide' not in d:
            for name in public_defs(body):
                if name not in documented: cells.append(_code(f'show_doc({name})', ['remove-input']))
    if any(c['cell_type'] == 'code' and _re_showdoc.search(c['source']) for c in cells):
        cells.insert(0, _code(SETUP_SRC, ['remove-cell']))
    seen = set()
    for i, c in enumerate(cells):          # nbformat 4.5 wants unique cell ids
        if not c.get('id') or c['id'] in seen: c['id'] = f'book{i:04d}'
        seen.add(c['id'])
    nb['cells'] = cells
    nb['metadata']['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    nb['metadata']['language_info'] = {'name': 'python'}
    return nb


def to_quarto(nb, skip_flags):
    "A copy of notebook `nb` whose directives Quarto understands (nbdev-only ones become Quarto options)."
    nb, cells = copy.deepcopy(nb), []
    for c in nb['cells']:
        if c['cell_type'] != 'code': cells.append(c); continue
        d, body = directives(_src(c))
        opts = {k: v for k, v in d.items() if k not in NBDEV_ONLY and k not in skip_flags}
        if HIDE & d.keys(): opts['include'] = 'false'
        if skip_flags & d.keys(): opts['eval'] = 'false'
        if _re_showdoc.search(body): opts.update(echo='false', output='asis')
        c['source'] = ''.join(f'#| {k}: {v}\n' for k, v in opts.items()) + body
        c['outputs'], c['execution_count'] = [], None
        cells.append(c)
        if EXPORTED & d.keys() and 'hide' not in d and d.get('eval') != 'false':
            for name in public_defs(body): cells.append(_code(f'#| echo: false\n#| output: asis\nshow_doc({name})'))
    cells.insert(0, _code('#| include: false\nfrom nbdev.showdoc import show_doc'))
    for i, c in enumerate(cells): c['id'] = f'quarto{i:04d}'
    nb['cells'] = cells
    return nb


def write_nb(nb, path): Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')


def _no_eval(cell):
    "nbdev_test's skip rule on a mapped cell: not code, tagged skip-execution, or a call of nbdev_export."
    if cell.cell_type != 'code': return True
    return 'skip-execution' in cell.metadata.get('tags', []) or 'nbdev_export' + '(' in cell.source


def execute(nb, path):
    """Run the mapped notebook `nb` (a dict) in execnb's CaptureShell, as nbdev_test does, in the folder of
    `path` (the chapter's file, for tracebacks and relative paths). Returns the notebook with its outputs;
    raises RuntimeError with the failing cell's traceback."""
    from execnb.nbio import dict2nb, nb2dict
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    run, path = dict2nb(copy.deepcopy(nb)), Path(path).resolve()
    shell = CaptureShell(path)
    try:
        with working_directory(path.parent): shell.run_all(run, exc_stop=True, preproc=_no_eval)
    except Exception as e:
        raise RuntimeError(shell.prettytb(fname=path)) from e
    out = nb2dict(run)
    for c in out['cells']:                  # execnb keeps its own bookkeeping keys; nbformat has none of them
        c.pop('idx_', None)
        c.pop('directives_', None)
    return out


def run_chapter(src, dest, run_flags=()):
    "Map and execute chapter `src` (nbs/NAME.ipynb, under its repository's settings.ini) into `dest`."
    src = Path(src)
    cfg = settings(src.resolve().parents[1])
    nb = to_book(json.loads(src.read_text(encoding='utf-8')), _skip_flags(cfg, run_flags))
    write_nb(execute(nb, src), dest)


def run_all(src_root, dest, only=None, run_flags=(), jobs=2, timeout=1500):
    """Execute every chapter of `src_root`/nbs (or index plus `only`) into `dest`, `jobs` fresh processes at a
    time (largest notebook first); writes and returns `dest`/status.json: per chapter ok, seconds, error."""
    src_root, dest = Path(src_root).resolve(), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    names = _select(chapters(src_root / 'nbs'), only)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(src_root), os.environ.get('PYTHONPATH')])))
    env.setdefault('IN_TEST', '1')
    env.setdefault('OMP_NUM_THREADS', '1')        # one thread per chapter: no oversubscription on small CPUs

    def one(name):
        t0, cmd = time.time(), [sys.executable, __file__, 'run', str(src_root / 'nbs' / name), str(dest / name),
                                '--flags', ' '.join(run_flags)]
        try:
            r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
            ok, err = r.returncode == 0, (r.stderr[-8000:] if r.returncode else '')
        except subprocess.TimeoutExpired: ok, err = False, f'{name} ran past {timeout} s'
        return name, dict(ok=ok, seconds=round(time.time() - t0, 1), error=err)

    order = sorted(names, key=lambda n: -(src_root / 'nbs' / n).stat().st_size)
    with ThreadPoolExecutor(max(1, jobs)) as pool: status = dict(pool.map(one, order))
    status = {n: status[n] for n in names}
    (dest / 'status.json').write_text(json.dumps(status, indent=1) + '\n')
    return status


def _select(names, only):
    if not only: return names
    want = {Path(o).stem for o in only}
    unknown = want - {Path(n).stem for n in names}
    if unknown: raise SystemExit(f'unknown chapters {sorted(unknown)}; the chapters are {names}')
    return [n for n in names if n == 'index.ipynb' or Path(n).stem in want]


def _skip_flags(cfg, run_flags):
    return set(cfg.get('tst_flags', '').replace('|', ' ').split()) - set(run_flags)


def toc_yml(names):
    stems = [Path(n).stem for n in names]
    return 'format: jb-book\nroot: index\nchapters:\n' + ''.join(f'- file: {s}\n' for s in stems[1:])


def config_yml(cfg, timeout=1800, execute='force'):
    "Jupyter Book 1 `_config.yml`: execute every chapter (or `execute='off'`), errors fatal, nothing fetched."
    try:
        __import__('sphinx-mathjax-offline')   # ships MathJax 3 into the site (else MathJax's CDN URL)
        mathjax = '  extra_extensions: [sphinx-mathjax-offline]\n'
    except ImportError: mathjax = ''
    title, author = cfg.get('title', cfg['lib_name']), cfg.get('author', '')
    return f'''title: {json.dumps(title)}
author: {json.dumps(author)}
copyright: {json.dumps(cfg.get('copyright', ''))}
only_build_toc_files: true
exclude_patterns: [_build, "**.ipynb_checkpoints"]
execute:
  execute_notebooks: {execute}
  allow_errors: false
  raise_on_error: true
  timeout: {timeout}
  run_in_temp: false
  stderr_output: show
parse:
  myst_enable_extensions: [amsmath, colon_fence, dollarmath]
html:
  home_page_in_navbar: true
  use_repository_button: false
repository:
  url: {cfg.get('git_url', '')}
  branch: {cfg.get('branch', 'main')}
sphinx:
{mathjax}  config:
    nb_ipywidgets_js: {{}}
    nb_mime_priority_overrides: [[html, application/vnd.jupyter.widget-view+json, null]]
    suppress_warnings: [mystnb.unknown_mime_type]
'''


QUARTO_YML = '''# A Quarto book over the chapters in nbs/, for readers who have Quarto. The Jupyter Book site
# (tools/build_book.sh) does not need it. Quarto cannot read nbdev directives such as `#| export`, so
# render a processed copy (the site lands in _proc/_docs):
#   python tools/nb_to_book.py quarto _proc && quarto render _proc
# The chapter list is generated (python tools/nb_to_book.py quarto-yml); tests/test_book.py checks it.
project:
  type: book
  output-dir: _docs

book:
  title: {title}
  author: {author}
  repo-url: {git_url}
  chapters:
{chapters}
format:
  html:
    toc: true
    code-overflow: wrap

execute:
  enabled: true
'''


def quarto_yml(cfg, names):
    return QUARTO_YML.format(title=json.dumps(cfg.get('title', cfg['lib_name'])),
                             author=json.dumps(cfg.get('author', '')), git_url=cfg.get('git_url', ''),
                             chapters=''.join(f'    - nbs/{n}\n' for n in names))


def build_source(src_root, dest, kind='book', only=None, run_flags=(), executed=None):
    """Write the mapped chapters of `src_root`/nbs (all, or index plus `only`) and the config to `dest`; with
    `executed` (a `run-all` folder) the book takes those executed chapters and executes nothing."""
    src_root, dest = Path(src_root), Path(dest)
    cfg, names = settings(src_root), _select(chapters(src_root / 'nbs'), only)
    skip = _skip_flags(cfg, run_flags)
    out = dest / 'nbs' if kind == 'quarto' else dest
    out.mkdir(parents=True, exist_ok=True)
    conv = to_book if kind == 'book' else to_quarto
    status = _status(Path(executed)) if executed else {}
    for n in names:
        if executed: write_nb(_executed(Path(executed), n, status), out / n)
        else: write_nb(conv(json.loads((src_root / 'nbs' / n).read_text(encoding='utf-8')), skip), out / n)
    if kind == 'book':
        (dest / '_toc.yml').write_text(toc_yml(names))
        (dest / '_config.yml').write_text(config_yml(cfg, execute='off' if executed else 'force'))
    else:
        (dest / '_quarto.yml').write_text(quarto_yml(cfg, names))
    return names


def _status(folder):
    "`run-all`'s status.json in `folder` ({} when there is none)."
    return json.loads((folder / 'status.json').read_text()) if (folder / 'status.json').is_file() else {}


def _executed(folder, name, status):
    "Chapter `name` as `run-all` left it in `folder` (`status`: its status.json); failed or missing is an error."
    if not status.get(name, {}).get('ok') or not (folder / name).is_file():
        raise SystemExit(f'{folder} holds no executed {name} (run: python tools/nb_to_book.py run-all {folder})')
    return json.loads((folder / name).read_text(encoding='utf-8'))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    for k in ('book', 'quarto', 'run-all'):
        s = sub.add_parser(k); s.add_argument('dest')
        s.add_argument('--src', default=str(ROOT), help='repository root holding nbs/ and settings.ini')
        s.add_argument('--chapters', default='', help='comma-separated subset (index is always built)')
        s.add_argument('--flags', default='', help='test flags whose cells run (e.g. slow), as nbdev_test --flags')
        if k == 'book': s.add_argument('--executed', default='', help='a run-all folder: render it, execute nothing')
        if k == 'run-all': s.add_argument('--jobs', type=int, default=2, help='chapters executed at once')
    r = sub.add_parser('run'); r.add_argument('notebook'); r.add_argument('dest')
    r.add_argument('--flags', default='', help='test flags whose cells run (e.g. slow)')
    q = sub.add_parser('quarto-yml'); q.add_argument('--check', action='store_true')
    sub.add_parser('chapters')
    a = p.parse_args(argv)
    if a.cmd == 'chapters': print('\n'.join(chapters())); return 0
    if a.cmd == 'quarto-yml':
        want, path = quarto_yml(settings(), chapters()), ROOT / '_quarto.yml'
        if a.check:
            if path.exists() and path.read_text() == want: return 0
            print('_quarto.yml is out of date: run python tools/nb_to_book.py quarto-yml', file=sys.stderr); return 1
        path.write_text(want); return 0
    flags = a.flags.replace(',', ' ').split()
    if a.cmd == 'run':
        try: run_chapter(a.notebook, a.dest, flags)
        except RuntimeError as e:
            print(f'{a.notebook}: a cell failed\n{e}', file=sys.stderr)
            return 1
        return 0
    only = [c for c in a.chapters.replace(' ', ',').split(',') if c]
    if a.cmd == 'run-all':
        status = run_all(a.src, a.dest, only, flags, a.jobs)
        for n, st in status.items(): print(f'{n}: {"ok" if st["ok"] else "FAILED"} in {st["seconds"]} s')
        for n, st in status.items():
            if not st['ok']: print(f'== {n}\n{st["error"]}', file=sys.stderr)
        return 0 if all(st['ok'] for st in status.values()) else 1
    names = build_source(a.src, a.dest, a.cmd, only, flags, a.executed or None)
    print(f'{len(names)} chapters -> {a.dest}: {" ".join(names)}')
    return 0


if __name__ == '__main__': sys.exit(main())
