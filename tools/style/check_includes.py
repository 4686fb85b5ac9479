"""Checks that every project header a C++ target includes is declared: tools/style/check_includes.py

Debian's gcc cannot run Bazel's layering_check, so this does its job for our own headers. Run
from the workspace root. One `bazel query` gives every rule; each header is mapped to the targets
that own it (hdrs or srcs; generated protobuf/gRPC headers to their cc_proto_library and
cc_grpc_library). Then each `#include "api/..."` (or libs/, services/, tools/) in the sources of a
cc_library, cc_binary or cc_test (cc_fuzzer too: it is a cc_binary) must name a header of the
target itself or of one of its direct deps. A header that only a transitive dep declares builds
today by luck: the day that dep drops it, the build breaks far from the cause. Third-party
headers (absl, gRPC, glog, gtest...) are not checked. Prints file:line, target and header of each
violation; exit 1 if any.
"""
import collections
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

PROJECT = ('api/', 'libs/', 'services/', 'tools/')
CC_RULES = {'cc_library', 'cc_binary', 'cc_test'}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

root = ET.fromstring(subprocess.run(
    ['bazel', 'query', '--color=no', '--noshow_progress', 'kind(rule, //...)', '--output=xml'],
    check=True, capture_output=True).stdout)
rules = {r.get('name'): r for r in root.iter('rule')}

def attr(rule, name):
    # XML output flattens select(): every branch's labels, which is what a check wants.
    for lst in rule.findall('list'):
        if lst.get('name') == name:
            return [e.get('value') for e in lst if e.get('value')]
    return []
def path(label): return label[2:].replace(':', '/') if label.startswith('//') else None
def resolve(label):
    # An alias's `actual`; one that is a select() has no single value and stays as it is.
    while label in rules and rules[label].get('class') == 'alias':
        actual = rules[label].find("label[@name='actual']")
        if actual is None or not actual.get('value'): break
        label = actual.get('value')
    return label

def files(label):
    """The workspace paths a label in srcs/hdrs stands for (a rule's generated files too)."""
    rule = rules.get(resolve(label))
    if rule is None: return [path(label)] if path(label) else []
    cls = rule.get('class')
    if cls == 'filegroup': return [f for s in attr(rule, 'srcs') for f in files(s)]
    if cls == 'genrule': return [path(o.get('name')) for o in rule.iter('rule-output')]
    if cls == '_generate_grpc_cc':  # tools/build_defs/cc_grpc_library.bzl
        mocks = any(b.get('name') == 'generate_mocks' and b.get('value') == 'true'
                    for b in rule.findall('boolean'))
        out = []
        for stem in proto_stems(attr(rule, 'srcs')):
            out += [stem + '.grpc.pb.h', stem + '.grpc.pb.cc'] + (
                [stem + '_mock.grpc.pb.h'] if mocks else [])
        return out
    return []
def proto_stems(proto_libraries):
    return [path(s)[:-len('.proto')] for p in proto_libraries
            for s in attr(rules[resolve(p)], 'srcs') if s.endswith('.proto')]

# A dep's srcs are its private files: a header there is not the dep's to offer (layering_check
# agrees), so only hdrs and textual_hdrs (and the generated headers) make an owner.
owners = collections.defaultdict(set)   # header path -> targets that export it
private = collections.defaultdict(set)  # header path -> targets that have it in srcs
own_files = {}                          # cc target -> its srcs and hdrs, as paths
for name, rule in rules.items():
    cls = rule.get('class')
    if cls == 'cc_proto_library':
        for stem in proto_stems(attr(rule, 'deps')):
            owners[stem + '.pb.h'].add(name)
    if cls not in CC_RULES: continue
    own_files[name] = [f for a in ('srcs', 'hdrs', 'textual_hdrs') for l in attr(rule, a)
                       for f in files(l)]
    for f in (f for a in ('hdrs', 'textual_hdrs') for l in attr(rule, a) for f in files(l)):
        owners[f].add(name)
    for f in (f for l in attr(rule, 'srcs') for f in files(l)):
        private[f].add(name)

violations = 0
for name, srcs in sorted(own_files.items()):
    allowed = {name} | {resolve(d) for d in attr(rules[name], 'deps')}
    for src in srcs:
        if not os.path.isfile(src): continue  # generated: not ours to check
        for n, line in enumerate(open(src, encoding='utf-8', errors='replace'), 1):
            m = INCLUDE_RE.match(line)
            if not m or not m.group(1).startswith(PROJECT): continue
            header = m.group(1)
            if header in srcs or owners[header] & allowed: continue
            if owners[header]: why = 'add a dep on ' + ' or '.join(sorted(owners[header]))
            elif private[header]: why = 'private to ' + ', '.join(sorted(private[header]))
            else: why = 'in no target'
            print('%s:%d: %s includes %s: %s' % (src, n, name, header, why))
            violations += 1
print('check_includes: %d undeclared includes in %d C++ targets' % (violations, len(own_files)))
sys.exit(1 if violations else 0)
