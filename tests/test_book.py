"""The book: the nbdev -> myst-nb mapping, one chapter list, a mini book (skips, widgets, errors fatal),
and the full site, every chapter, rendered from the chapters the notebook tests executed (conftest.py's
`executed_chapters`, so no chapter runs twice) and looked at in headless Chromium.

BOOK_SITE=DIR tests a site already built by tools/build_book.sh instead; BOOK_SHOTS=DIR keeps the screenshots."""
import base64, json, os, re, shutil, struct, subprocess, sys
from pathlib import Path
import pytest

# module-scoped fixtures: keep this file on one xdist worker (pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group('book')
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import nb_to_book as nbb  # noqa: E402

PNG = b'\x89PNG\r\n\x1a\n'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')


def nb(*cells):
    mk = lambda c: (dict(cell_type='markdown', metadata={}, source=c[3:]) if c.startswith('md:')
                    else dict(cell_type='code', metadata={}, outputs=[], execution_count=None, source=c))
    return {'cells': [dict(mk(c), id=f'c{i}') for i, c in enumerate(cells)], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}


def tags(cell): return set(cell['metadata'].get('tags', []))


# --- the mapping -----------------------------------------------------------------------------------
def test_directives_are_parsed_and_stripped():
    d, body = nbb.directives('#| eval: false\n#|hide\n#| default_exp core\n\nx = 1\n#| not a directive')
    assert d == {'eval': 'false', 'hide': '', 'default_exp': 'core'}
    assert body == 'x = 1\n#| not a directive'


@pytest.mark.parametrize('src,want', [
    ('#| eval: false\nx', {'skip-execution'}), ('#| slow\nx', {'skip-execution'}), ('#| gpu\nx', {'skip-execution'}),
    ('#| hide\nx', {'remove-cell'}), ('#| export\nx', {'remove-cell'}), ('#| exporti\nx', {'remove-cell'}),
    ('#| default_exp core', {'remove-cell'}), ('#| include: false\nx', {'remove-cell'}),
    ('#| exports\nx', set()), ('#| echo: false\nx', {'remove-input'}), ('#| output: false\nx', {'remove-output'}),
    ('#| widget\nx', {'remove-output'}), ('show_doc(f)', {'remove-input'}), ('x = 1', set()),
    ('#| hide\n#| eval: false\nx', {'remove-cell', 'skip-execution'})])
def test_cell_tags(src, want):
    d, _ = nbb.directives(src)
    assert set(nbb.book_cell_tags(d, src, {'slow', 'gpu'})) == want


def test_display_math_gets_its_own_block():
    md = 'the loss is\n$$\\ell = x^2$$\nwith $C$ channels.\n\n$$a\n= b$$\nend'
    assert nbb.display_math(md) == 'the loss is\n\n$$\\ell = x^2$$\n\nwith $C$ channels.\n\n$$a\n= b$$\n\nend'
    assert nbb.display_math('no math, $x$ inline') == 'no math, $x$ inline'


def test_flags_named_at_build_time_run():
    out = nbb.to_book(nb('#| slow\nx = 1'), skip_flags={'gpu'})
    assert tags(out['cells'][0]) == set() and out['cells'][0]['source'] == 'x = 1'


def test_exported_names_get_show_doc_and_a_setup_cell():
    src = '#| export\ndef f(x): "doc"\nclass C: pass\ndef _private(): pass'
    out = nbb.to_book(nb('#| default_exp m', src, '#| exports\ndef g(): pass', 'show_doc(g)', '#| export\n#| eval: false\ndef h(): pass'), set())
    code = [(c['source'], tags(c)) for c in out['cells']]
    assert code[0] == (nbb.SETUP_SRC, {'remove-cell'})
    srcs = [s for s, _ in code]
    assert srcs.index('show_doc(f)') == srcs.index('show_doc(C)') - 1 == srcs.index(src.split('\n', 1)[1]) + 1
    assert 'show_doc(_private)' not in srcs and 'show_doc(h)' not in srcs      # private; not executed
    assert srcs.count('show_doc(g)') == 1                                      # documented by hand already
    assert all('remove-input' in t for s, t in code if s.startswith('show_doc('))
    assert len({c['id'] for c in out['cells']}) == len(out['cells'])
    assert out['metadata']['kernelspec']['name'] == 'python3'


def test_setup_cell_drops_the_leading_rule_and_quarto_link_attributes():
    ns = {}
    exec(nbb.SETUP_SRC, ns)
    from i2i_unlearn.core import choose
    md = ns['show_doc'](choose)._repr_markdown_()
    assert not md.startswith('---') and '{target=' not in md and '### choose' in md


def test_widget_cells_get_a_note_not_a_broken_widget():
    out = nbb.to_book(nb('#| widget\nimport ipywidgets as w; w.IntSlider()'), set())
    assert tags(out['cells'][0]) == {'remove-output'}
    assert out['cells'][1]['cell_type'] == 'markdown' and 'Jupyter' in out['cells'][1]['source']


def test_quarto_copy_speaks_quarto():
    out = nbb.to_quarto(nb('#| export\ndef f(): pass', '#| slow\nx', '#| hide\ny', '#| eval: false\nz', '#| echo: false\nw'), {'slow', 'gpu'})
    srcs = [c['source'] for c in out['cells']]
    assert srcs[0].startswith('#| include: false\n')
    assert srcs[1] == '#| include: false\ndef f(): pass'
    assert srcs[2] == '#| echo: false\n#| output: asis\nshow_doc(f)'
    assert srcs[3:] == ['#| eval: false\nx', '#| include: false\ny', '#| eval: false\nz', '#| echo: false\nw']


# --- one chapter list ------------------------------------------------------------------------------
def test_one_chapter_list():
    names = nbb.chapters()
    assert names[0] == 'index.ipynb' and names[1:] == sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb')
                                                             if p.name != 'index.ipynb' and not p.name.startswith(('_', '.')))
    toc = yaml.safe_load(nbb.toc_yml(names))
    assert toc['root'] == 'index' and [c['file'] + '.ipynb' for c in toc['chapters']] == names[1:]


def test_quarto_yml_lists_the_same_chapters():
    q = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    assert q['project']['type'] == 'book'
    assert q['book']['chapters'] == [f'nbs/{n}' for n in nbb.chapters()], \
        '_quarto.yml lists other chapters than nbs/: run python tools/nb_to_book.py quarto-yml'


# --- a mini book: a real Jupyter Book build of made-up chapters --------------------------------------
def make_repo(path, chapter):
    (path / 'nbs').mkdir(parents=True)
    shutil.copy(ROOT / 'settings.ini', path / 'settings.ini')
    index = nb('md:# Mini book\n\nInline $a^2 + b^2$ and display math:\n\n$$\\int_0^1 x\\,dx = \\tfrac12$$')
    (path / 'nbs' / 'index.ipynb').write_text(json.dumps(index))
    (path / 'nbs' / '01_demo.ipynb').write_text(json.dumps(chapter))
    return path


def build(src, out, **env):
    return subprocess.run(['bash', str(ROOT / 'tools' / 'build_book.sh'), str(out)], cwd=ROOT, capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if k not in ('BOOK_CHAPTERS', 'BOOK_REF')}, 'BOOK_SRC': str(src), **env}, timeout=900)  # a made-up book: the real book's subset does not apply


@pytest.fixture(scope='module')
def mini_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('mini')
    chapter = nb('#| default_exp demo', 'md:# Demo\n> A made-up chapter.',
                 'md:The loss is\n$$\\ell = x^2$$\nwith $C$ channels.',
                 '#| export\ndef twice(x:int # a number\n         )->int:\n    "Double `x`."\n    return 2*x',
                 '#| hide\nHIDDEN_MARKER = 1', '#| eval: false\nraise RuntimeError("eval false ran")',
                 '#| slow\nraise RuntimeError("slow cell ran")', '#| widget\nimport ipywidgets as w\nw.IntSlider(3, description="tagged")',
                 'w.Text("untagged widget")', 'print(twice(21) * 1000 + 7)', '#| echo: false\nprint("ECHO" + "FALSE")',
                 'import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]); plt.show()')
    r = build(make_repo(tmp / 'repo', chapter), tmp / 'site')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    return tmp / 'site'


def test_mini_book_maps_every_directive(mini_site):
    page = (mini_site / '01_demo.html').read_text()
    assert '42007' in page                                   # executed
    assert 'HIDDEN_MARKER' not in page and 'default_exp' not in page and '#|' not in page
    assert 'eval false ran' in page and 'slow cell ran' in page and 'RuntimeError:' not in page   # shown, not run
    assert 'ECHOFALSE' in page and '&quot;ECHO&quot;' not in page and 'ECHO&quot;' not in page
    assert re.search(r'<h3[^>]*>twice', page) and 'Double' in page and 'return' not in page   # show_doc, not the code
    assert 'show_doc' not in page and '{target=' not in page and 'Document or section may not begin with a transition' not in page
    assert re.search(r'<img[^>]+src="_images/[^"]+\.png"', page)
    assert '$<span class="math' not in page and re.search(r'<div class="math[^>]*>\s*\\\[\\ell = x\^2\\\]', page)  # display


def test_mini_book_widgets_are_static(mini_site):
    page = (mini_site / '01_demo.html').read_text()
    assert 'application/vnd.jupyter.widget-view+json' not in page and 'html-manager' not in page
    assert 'open the notebook in Jupyter' in page            # the tagged widget: a note, no output
    assert 'IntSlider(value=3' not in page                   # its output is left out
    assert 'Text(value=' in page                             # an untagged widget falls back to its text


def test_a_cell_error_fails_the_build(tmp_path):
    r = build(make_repo(tmp_path / 'repo', nb('md:# Broken', 'x = 1', 'raise ValueError("chapter is broken")')), tmp_path / 'site')
    assert r.returncode != 0 and 'chapter is broken' in r.stdout + r.stderr


def test_outdir_must_be_empty(tmp_path):
    (tmp_path / 'keep.txt').write_text('mine')
    r = subprocess.run(['bash', str(ROOT / 'tools' / 'build_book.sh'), str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and 'not empty' in r.stderr and (tmp_path / 'keep.txt').read_text() == 'mine'


# --- the full book ---------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def site(tmp_path_factory, request):
    if os.environ.get('BOOK_SITE'): return Path(os.environ['BOOK_SITE'])
    executed_chapters = request.getfixturevalue('executed_chapters')     # conftest.py: every chapter, run once
    out = tmp_path_factory.mktemp('book') / 'site'
    failed = [n for n, st in executed_chapters[1].items() if not st['ok']]
    assert not failed, f'chapters {failed} failed (see test_notebooks), so the book is not built'
    env = {k: v for k, v in os.environ.items() if k != 'BOOK_CHAPTERS'}
    r = subprocess.run(['bash', str(ROOT / 'tools' / 'build_book.sh'), str(out)], cwd=ROOT, capture_output=True, text=True,
                       env={**env, 'IN_TEST': '1', 'BOOK_EXECUTED': str(executed_chapters[0])}, timeout=1500)
    assert r.returncode == 0, f'tools/build_book.sh failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}'
    print(r.stdout.strip().splitlines()[-2:])
    return out


def built_chapters(site): return [n for n in nbb.chapters() if (site / f'{Path(n).stem}.html').exists()]


def test_site_has_a_page_per_chapter(site):
    names = built_chapters(site) if os.environ.get('BOOK_SITE') else nbb.chapters()      # the whole book
    missing = [n for n in names if not (site / f'{Path(n).stem}.html').is_file()]
    assert (site / 'index.html').is_file() and not missing, f'no page for {missing}'
    assert len(list(site.glob('*.html'))) > len(names)


def _png_ok(data): return data.startswith(PNG) and len(data) > 1000 and min(struct.unpack('>II', data[16:24])) > 20


def test_chapters_carry_their_figures(site):
    drawing = []
    for n in built_chapters(site):
        cells = json.loads((ROOT / 'nbs' / n).read_text())['cells']
        if any(c['cell_type'] == 'code' and re.search(r'\bplt\.(show|subplots|figure|imshow)\(', ''.join(c['source']))
               and not nbb.book_cell_tags(nbb.directives(''.join(c['source']))[0], '', {'slow', 'gpu'}) for c in cells):
            drawing.append(n)
    assert drawing, 'no chapter draws a figure'
    for n in drawing:
        page = (site / f'{Path(n).stem}.html').read_text()
        srcs = re.findall(r'<img[^>]+src="([^"]+)"', page)
        pngs = [base64.b64decode(s.split(',', 1)[1]) if s.startswith('data:image/png') else (site / s).read_bytes()
                for s in srcs if s.startswith('data:image/png') or (s.endswith('.png') and (site / s).is_file())]
        assert pngs and all(_png_ok(p) for p in pngs), f'{n}: figures missing or empty ({srcs})'


def math_chapters(site):
    return [n for n in built_chapters(site) if re.search(r'\$[^$\n]+\$', ''.join(
        ''.join(c['source']) for c in json.loads((ROOT / 'nbs' / n).read_text())['cells'] if c['cell_type'] == 'markdown'))]


def test_chapters_render_math(site):
    assert math_chapters(site), 'no chapter has math'
    for n in math_chapters(site):
        page = (site / f'{Path(n).stem}.html').read_text()
        assert re.search(r'<span class="math notranslate nohighlight">\\\(', page) or '\\[' in page, f'{n}: no math'
        js = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page, re.I)
        assert js, f'{n}: no MathJax script'
        if not js[0].startswith('http'): assert (site / js[0]).is_file(), f'{n}: {js[0]} is not in the site'


def test_pages_hold_no_nbdev_leftovers(site):
    for n in built_chapters(site):
        page = (site / f'{Path(n).stem}.html').read_text()
        code = ' '.join(re.findall(r'<pre>(.*?)</pre>', page, re.S))
        assert '#| ' not in code and '{target=' not in page, n
        assert 'class="output traceback' not in page and 'nb-error' not in page, n
        assert '$<span class="math' not in page, f'{n}: display math read as inline (needs blank lines around $$)'


def shoot(url, png, tmp):
    prof = tmp / f'profile_{png.stem}'
    prof.mkdir()
    r = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                        '--disable-background-networking', '--disable-component-update', '--disable-sync',
                        f'--user-data-dir={prof}', f'--screenshot={png}', '--window-size=1200,900', url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and png.is_file(), r.stderr[-2000:]
    return png


@pytest.mark.skipif(CHROMIUM is None, reason='chromium is not installed (apt-get install -y chromium)')
def test_front_page_and_a_chapter_in_a_browser(site, tmp_path):
    from matplotlib.image import imread
    shots = Path(os.environ.get('BOOK_SHOTS', tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    chapter = next((n for n in math_chapters(site) if n != 'index.ipynb'), built_chapters(site)[-1])
    for name in ['index', Path(chapter).stem]:
        png = shoot((site / f'{name}.html').resolve().as_uri(), shots / f'book_{name}.png', tmp_path)
        img = imread(png)
        assert img.shape[:2] == (900, 1200) and img[..., :3].std() > 0.05, f'{png} looks blank'


def page_text(site, stem):
    "A page's text: tags dropped, entities decoded (what a reader sees, line by line)."
    import html
    return html.unescape(re.sub(r'<[^>]+>', '', (site / f'{stem}.html').read_text()))


def test_full_size_tables_match_their_artifact(site):
    "The site shows the committed GPU artifact's seeds tables as the package computes them from the JSON."
    from i2i_unlearn.audit import audit_seeds_table
    from i2i_unlearn.experiments import REALISM_COLUMNS, seeds_table, summarize
    art = json.loads((ROOT / 'nbs' / 'results' / 'seeds_h200.json').read_text())
    wants = {'09_experiments': [seeds_table(summarize({s: one['models'] for s, one in art[b].items()}), REALISM_COLUMNS,
                                            ['decouple', 'finetune', 'li2024']) for b in ('class', 'canary')],
             '07_audit': [audit_seeds_table({s: one['models'] for s, one in art['audit'].items()})]}
    for stem, tables in wants.items():
        if os.environ.get('BOOK_SITE') and not (site / f'{stem}.html').is_file(): continue   # a subset built by hand
        text = page_text(site, stem)
        rows = [r for t in tables for r in t.splitlines()[2:]]
        assert rows and all(r in text for r in rows), f'{stem}: rows missing: {[r for r in rows if r not in text][:3]}'
