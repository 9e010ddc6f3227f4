import json, sys
from datetime import datetime
def ts(s):
    # 2026-12-02T04:36:40.518493563Z -> ns since midnight
    t = s[11:-1]; h, m, rest = t.split(':'); sec, _, frac = rest.partition('.')
    return ((int(h)*60+int(m))*60+int(sec))*10**9 + int((frac+'000000000')[:9])
def dur(s):
    # PT0.000080282S or PT1M2.3S
    s = s[2:-1]; ns = 0
    if 'H' in s: h, s = s.split('H'); ns += int(h)*3600*10**9
    if 'M' in s: m, s = s.split('M'); ns += int(m)*60*10**9
    if s:
        a, _, b = s.partition('.'); ns += int(a)*10**9 + int((b+'000000000')[:9])
    return ns
def fname(f):
    m = f['method']; c = m['type']['name'].replace('/', '.')
    return "%s.%s:%s" % (c, m['name'], f.get('lineNumber'))
d = json.load(open(sys.argv[1]))
out = []
for e in d['recording']['events']:
    v = e['values']
    meth = v['method']; mname = meth['type']['name'].replace('/', '.') + '.' + meth['name']
    out.append(dict(start=ts(v['startTime']), dur=dur(v['duration']), thread=v['eventThread']['javaName'],
                    method=mname, desc=meth.get('descriptor'),
                    frames=[fname(f) for f in v['stackTrace']['frames']], truncated=v['stackTrace']['truncated']))
out.sort(key=lambda x: x['start'])
json.dump(out, open(sys.argv[2], 'w'))
print(len(out), sum(o['truncated'] for o in out), 'truncated')
