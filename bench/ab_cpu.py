#!/usr/bin/env python3
"""A/B CPU-time harness for a noisy machine: runs the commands alternately N times each and
prints the median, minimum and first quartile of each one's CPU time (user + sys of the child,
ms). Alternating spreads the machine's slow and fast periods over all commands; compare the
commands of one run only.

    python3 bench/ab_cpu.py 15 "old/gliofuse radiomics ..." "new/gliofuse radiomics ..."
"""
import os, sys, subprocess, statistics, shlex, resource
n = int(sys.argv[1]); cmds = sys.argv[2:]
res = {c: [] for c in cmds}
for i in range(n):
    for c in cmds:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        res[c].append(1e3 * ((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)))
for c in cmds:
    v = sorted(res[c])
    print(f"median {statistics.median(v):7.1f}  min {v[0]:7.1f}  q1 {v[len(v)//4]:7.1f}  ms  {c[:90]}")
