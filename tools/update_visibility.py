"""Rewrites the `visibility` of every target from its real users: tools/update_visibility.py

Every package is private by default (ARCHITECTURE.md). After a change adds a dependency across
packages, run this from the workspace root: it asks `bazel query` which packages use each target
and writes, per target, the packages that may use it (one `//pkg:__pkg__` each, or a layer's
package_group of the root BUILD.bazel when more than two packages of that layer use it). Targets
nobody else uses get no visibility attribute. The API (api/), the libraries other services link
(PUBLIC_TARGETS) and the build infrastructure (INFRA) stay public; third_party is left alone.
It refuses (exit 1) when a target is used from a lower layer (a library using a service or a
tool, a service using a tool): fix the dependency, not the visibility.

With --check it writes nothing: it prints each target whose visibility differs from the one it
would write (current, then wanted) and exits 1 if any does, 0 if all match (CI's style stage,
tools/style/check.sh).
"""
import collections
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.getcwd()
CHECK = sys.argv[1:] == ['--check']
if sys.argv[1:] and not CHECK: sys.exit('usage: tools/update_visibility.py [--check]')
tree = ET.ElementTree(ET.fromstring(subprocess.run(
    ['bazel', 'query', '--color=no', 'kind(rule, //...)', '--output=xml'],
    check=True, capture_output=True).stdout))
consumers = collections.defaultdict(set)   # label -> packages using it
rules = {}                                  # label -> (class, package)
def pkg(label): return label[2:].split(':')[0]
for rule in tree.getroot().iter('rule'):
    name = rule.get('name'); cls = rule.get('class')
    if name.startswith('//third_party/bazel_shims'): continue
    rules[name] = (cls, pkg(name))
    p = pkg(name)
    for lab in rule.iter('label'):
        v = lab.get('value')
        if v and v.startswith('//') and pkg(v) != p:
            consumers[v].add(p)
    for inp in rule.iter('rule-input'):
        v = inp.get('name')
        if v and v.startswith('//') and pkg(v) != p:
            consumers[v].add(p)

PUBLIC_PACKAGES = ('api/',)                       # the API: every rule public
INFRA = {'//tools/sanitizers:tsan_suppressions', '//tools/sanitizers:tsan',
         '//tools/fuzz:libfuzzer', '//tools/fuzz:replay_main'}
PUBLIC_TARGETS = {'//libs/authn:authenticator', '//libs/authn:authenticator_mock',
                  '//libs/authn:authn', '//libs/authn:credentials', '//libs/authn:origin_check',
                  '//libs/authn:user_id'}

def layer(p): return p.split('/')[0]
def entries(label):
    cls, p = rules[label]
    if p.startswith(PUBLIC_PACKAGES) or label in INFRA or label in PUBLIC_TARGETS:
        return ['//visibility:public']
    cons = sorted(consumers.get(label, ()))
    if not cons: return None
    if len(cons) > 4:
        groups = sorted({layer(c) for c in cons})
        # keep narrower entries for layers with few users
        out = []
        for g in groups:
            in_g = [c for c in cons if layer(c) == g]
            if len(in_g) > 2: out.append('//:' + g)
            else: out += ['//%s:__pkg__' % c for c in in_g]
        return sorted(out)
    return ['//%s:__pkg__' % c for c in cons]

by_file = collections.defaultdict(dict)
for label, (cls, p) in rules.items():
    if p.startswith('third_party'): continue
    by_file[p][label.split(':')[1]] = entries(label)

violations = []
order = {'api': 0, 'libs': 1, 'services': 2, 'tools': 3}
for label, cons in consumers.items():
    if label not in rules: continue
    p = rules[label][1]
    if label in INFRA or p.startswith('third_party') or p.startswith('api'): continue
    for c in cons:
        if order.get(layer(c), 9) < order.get(layer(p), 9):
            violations.append((label, c))
if violations:
    for label, user in sorted(violations):
        print('%s is used by //%s, a lower layer' % (label, user), file=sys.stderr)
    sys.exit(1)

VIS_RE = re.compile(r'^    visibility = \[[^\]]*\],\n', re.M | re.S)
mismatches = []   # (label, current, wanted): what --check reports
for p, targets in by_file.items():
    path = '%s/%s/BUILD.bazel' % (ROOT, p)
    text = original = open(path).read()
    # default private
    text = re.sub(r'package\(default_visibility = \["//visibility:public"\]\)',
                  'package(default_visibility = ["//visibility:private"])', text)
    if 'default_visibility' not in text:
        # after the leading comments and load() lines
        lines = text.split('\n'); i = 0
        while i < len(lines) and (lines[i].startswith('#') or lines[i].startswith('load(') or lines[i] == ''):
            i += 1
        lines.insert(i, 'package(default_visibility = ["//visibility:private"])\n')
        text = '\n'.join(lines)
    if text != original:
        mismatches.append(('//%s' % p, ['package default_visibility not private'], ['private']))
    out = []; pos = 0
    for m in re.finditer(r'^(\w+)\(\n(.*?)^\)\n', text, re.M | re.S):
        body = m.group(2)
        nm = re.search(r'^    name = "([^"]+)",', body, re.M)
        out.append(text[pos:m.start()]); pos = m.end()
        if not nm or nm.group(1) not in targets:
            out.append(m.group(0)); continue
        current = VIS_RE.search(body)
        current = re.findall(r'"([^"]+)"', current.group(0)) if current else None
        body = VIS_RE.sub('', body)
        vis = targets[nm.group(1)]
        if current != vis:
            mismatches.append(('//%s:%s' % (p, nm.group(1)), current, vis))
        if vis:
            if len(vis) == 1: line = '    visibility = ["%s"],\n' % vis[0]
            else: line = '    visibility = [\n' + ''.join('        "%s",\n' % v for v in vis) + '    ],\n'
            d = re.search(r'^    deps = ', body, re.M)
            body = body[:d.start()] + line + body[d.start():] if d else body + line
        out.append('%s(\n%s)\n' % (m.group(1), body))
    out.append(text[pos:])
    if not CHECK:
        open(path, 'w').write(''.join(out))

if CHECK:
    # None is "no visibility attribute": the package's private default.
    def show(v): return '[%s]' % ', '.join(v) if v else 'unset'
    for label, current, wanted in sorted(mismatches, key=lambda m: m[0]):
        print('%s: visibility %s, wanted %s' % (label, show(current), show(wanted)))
    print('update_visibility --check: %d targets differ' % len(mismatches))
    sys.exit(1 if mismatches else 0)
