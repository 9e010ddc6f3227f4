import json, sys, subprocess, re
ev = json.load(open(sys.argv[1])); cp = sys.argv[2]; classes = sys.argv[3:]
seen = set()
for e in ev:
    for f in e['frames']:
        m = f.rsplit(':', 1)[0]
        if '.lambda$' in m: seen.add(m)
for c in classes:
    out = subprocess.run(['javap', '-p', '-cp', cp, c], capture_output=True, text=True).stdout
    lams = sorted(set(re.findall(r'(lambda\$[\w$]+)\(', out)))
    unseen = [l for l in lams if c + '.' + l not in seen]
    print(c.split('.')[-1], 'lambdas', len(lams), 'unseen:', ' '.join(unseen))
