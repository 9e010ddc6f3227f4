"""One record's path from jdk.MethodTrace events, and its package crossings.
usage: crossings.py <compact.json> <traced-classes.txt> [--all]
Window: from the record's Intake.onNext (the connector handing the record to Sluice) to the
commit interceptor (PollGate.onCommit) on the consumer thread.
Activations: (a) every traced dev.sluice method call (an event); (b) every callback entry seen in
the stacks: a hidden lambda class frame Host$$Lambda.* (lambda or method reference of Host),
counted once per distinct stack below it. The caller of an activation is the nearest dev.sluice
frame below it (ArC generated _ClientProxy/_Bean/_Subclass frames skipped). A crossing is an
activation whose package differs from its caller's."""
import json, sys, re
ev = json.load(open(sys.argv[1])); classes = set(open(sys.argv[2]).read().split())
SHOW_ALL = '--all' in sys.argv
RANK = {'pipeline': 0, 'config': 0, 'intake': 1, 'route': 2, 'schedule': 3, 'deliver': 4,
        'deliver.http': 5, 'outcome': 6}
VOCAB = {'pipeline', 'config'}
def fcls(fr): return fr.rsplit(':', 1)[0].rsplit('.', 1)[0]
def fmeth(fr): return fr.rsplit(':', 1)[0]
def host(c):  # class of a frame -> the dev.sluice class it belongs to, or None
    if '$$Lambda' in c: c = c.split('$$Lambda')[0]
    return c if c in classes else None
def short(m): return m[len('dev.sluice.'):].split('.', 1)[1] if m.startswith('dev.sluice.') else m
def pkg(c): return c.rsplit('.', 1)[0][len('dev.sluice.'):]
def hms(n): s = n/1e9; return '%02d:%02d:%09.6f' % (s//3600, (s % 3600)//60, s % 60)
def label(fr):
    c = fcls(fr)
    if '$$Lambda' in c: return c.split('$$Lambda')[0] + '.<callback:' + fmeth(fr).rsplit('.', 1)[1] + '>'
    return fmeth(fr)
starts = [e for e in ev if e['method'] == 'dev.sluice.intake.Intake.onNext']
start = starts[-1] if '--last' in sys.argv else starts[0]
t0 = start['start']
commit = next((e for e in ev if e['method'].endswith('PollGate.onCommit') and e['start'] > t0), None)
t1 = commit['start'] if commit else max(e['start'] for e in ev) + 1
kept = []; skipped = {'lazy': 0, 'noise': 0}
for e in ev:
    if not (t0 <= e['start'] < t1): continue
    if e['thread'].startswith('sluice-config-follower'): skipped['noise'] += 1; continue
    if e['method'].endswith('<clinit>') or any(('_Bean.' in f or '<clinit>' in f) for f in e['frames']):
        skipped['lazy'] += 1; continue   # one-time CDI bean creation / class init on the first record
    hosts = [host(fcls(f)) for f in e['frames'] if host(fcls(f))]
    root = hosts[-1] if hosts else e['method'].rsplit('.', 1)[0]
    if pkg(root) == 'metrics' or root.startswith('dev.sluice.config.ConfigTopicAdmin'):
        skipped['noise'] += 1; continue  # gauges refreshed by a timer, not by the record
    if e['method'].startswith('dev.sluice.') and not hosts and not e['method'].startswith('dev.sluice.intake.Intake.onNext'):
        skipped['noise'] += 1; continue  # a root of its own not below the record (none expected)
    kept.append(e)
acts = []   # (time, thread, callee label, callee class, caller frame or None, kind)
seen = set()
for e in kept:
    fr = e['frames']
    idx = [i for i, f in enumerate(fr) if host(fcls(f))]
    callee_cls = e['method'].rsplit('.', 1)[0]
    if callee_cls.startswith('dev.sluice.'):
        acts.append((e['start'], e['thread'], e['method'], callee_cls, fr[idx[0]] if idx else None, 'call'))
    else:  # a connector method traced as an end marker (ack, nack, commit handler)
        acts.append((e['start'], e['thread'], e['method'], None, fr[idx[0]] if idx else None, 'marker'))
    for j, i in enumerate(idx):
        if '$$Lambda' not in fcls(fr[i]): continue
        key = (e['thread'], tuple(fr[i:]))
        if key in seen: continue
        seen.add(key)
        below = fr[idx[j + 1]] if j + 1 < len(idx) else None
        acts.append((e['start'] - 1, e['thread'], label(fr[i]), host(fcls(fr[i])), below, 'callback'))
acts.sort(key=lambda a: a[0])
n = fwd = back = 0; out = []; pp = {}; edges = {}
for t, th, callee, ccls, caller, kind in acts:
    if kind == 'marker':
        out.append('%s  %-20s      --- %s (connector), from %s' % (hms(t), th[:20], short(callee), short(label(caller)) if caller else '-'))
        continue
    if caller is None:
        out.append('%s  %-20s      entry %s (no dev.sluice frame below)' % (hms(t), th[:20], short(callee)))
        continue
    p1, p2 = pkg(host(fcls(caller))), pkg(ccls)
    if p1 == p2:
        if SHOW_ALL: out.append('%s  %-20s      %s -> %s%s' % (hms(t), th[:20], short(label(caller)), short(callee), '  (callback)' if kind == 'callback' else ''))
        continue
    d = 'forward' if (p2 in VOCAB or (p1 in RANK and p2 in RANK and RANK[p2] > RANK[p1])) else 'backward'
    n += 1; fwd += d == 'forward'; back += d == 'backward'
    pp[(p1, p2, d)] = pp.get((p1, p2, d), 0) + 1
    k = (short(label(caller)), short(callee), d, p2 in VOCAB); edges[k] = edges.get(k, 0) + 1
    out.append('%s  %-20s #%-3d %s -> %s   [%s -> %s] %s%s' % (hms(t), th[:20], n, short(label(caller)), short(callee), p1, p2, d, ' (callback)' if kind == 'callback' else ''))
print('\n'.join(out))
print('\nwindow %s .. %s; events kept %d, skipped %s; callback activations from stacks %d' % (hms(t0), hms(t1), len(kept), skipped, sum(a[5] == 'callback' for a in acts)))
v = sum(c for (a, b, d), c in pp.items() if b in VOCAB)
print('TOTAL crossings: %d   forward %d   backward/upward %d' % (n, fwd, back))
print('  into vocabulary (pipeline/config): %d;  stage-to-stage: %d (forward %d, backward/upward %d)' % (
    v, n - v, sum(c for (a, b, d), c in pp.items() if b not in VOCAB and d == 'forward'), back))
se = [k for k in edges if not k[3]]
print('DISTINCT caller->callee edges: %d (forward %d); stage-to-stage distinct: %d (forward %d, backward %d)' % (
    len(edges), sum(k[2] == 'forward' for k in edges), len(se), sum(k[2] == 'forward' for k in se), sum(k[2] == 'backward' for k in se)))
print('by package pair:')
for (a, b, d), c in sorted(pp.items()): print('   %-13s -> %-13s %-8s %d' % (a, b, d, c))
