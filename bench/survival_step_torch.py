#!/usr/bin/env python3
"""PyTorch counterpart of crates/models/benches/survival_step.rs: training steps of the
scaled-dot cross-attention survival model on precomputed bags. Batch 128 slides, 32-patch bags of
2048-d features, RNA of 2000 genes; RNA MLP 2000 -> 4096 -> 2048 with dropout 0.5 on its input
and hidden layer; query = W_q r, keys/values = W_k x, W_v x (256 wide, 4 heads, with bias),
softmax(q.k / sqrt(64)) per head, heads concatenated; risk = Linear(256 + 2048 -> 1); Breslow Cox
loss averaged over events (sort by time, log-cumsum-exp, risk set up to the last tied row); AdamW
(wd 1e-5, eps 1e-8, lr 1e-4). One step = stacking the batch from the per-slide arrays, forward,
loss, backward, update; step 0 is a warm-up and not counted.

Run: /work/venv-torch/bin/python bench/survival_step_torch.py [--steps 10] [--threads 2]
Prints one JSON line (seconds).
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    def __init__(self, genes, dim, hidden=4096, emb=2048, d=256, heads=4):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(genes, hidden), nn.Linear(hidden, emb)
        self.q, self.k, self.v = nn.Linear(genes, d), nn.Linear(dim, d), nn.Linear(dim, d)
        self.head = nn.Linear(d + emb, 1)
        self.heads = heads

    def forward(self, x, r):
        h = self.fc2(F.dropout(F.relu(self.fc1(F.dropout(r, 0.5, self.training))), 0.5, self.training))
        b, k, _ = x.shape
        q = self.q(r).view(b, self.heads, 1, -1)
        split = lambda t: t.view(b, k, self.heads, -1).transpose(1, 2)
        keys, values = split(self.k(x)), split(self.v(x))
        a = torch.softmax(q @ keys.transpose(2, 3) / (q.shape[-1] ** 0.5), dim=-1)
        ctx = (a @ values).reshape(b, -1)
        return self.head(torch.cat([ctx, h], 1)).squeeze(1)


def cox_breslow(eta, time_, event):
    order = torch.argsort(time_, descending=True, stable=True)
    t, e, r = time_[order], event[order], eta[order]
    # last row of each tied time in the descending order
    n = t.shape[0]
    last = torch.arange(n)
    for i in range(n - 2, -1, -1):
        if t[i] == t[i + 1]:
            last[i] = last[i + 1]
    m = r.max().detach()
    lse = torch.log(torch.cumsum(torch.exp(r - m), 0))[last] + m
    return -((r - lse) * e).sum() / e.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--bag", type=int, default=32)
    ap.add_argument("--dim", type=int, default=2048)
    ap.add_argument("--genes", type=int, default=2000)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    bags = [rng.uniform(-1, 1, (a.bag, a.dim)).astype(np.float32) for _ in range(a.batch)]
    rna = [rng.uniform(-1, 1, a.genes).astype(np.float32) for _ in range(a.batch)]
    time_ = torch.tensor(np.round(rng.uniform(1, 100, a.batch)), dtype=torch.float64)
    event = torch.tensor(rng.uniform(size=a.batch) < 0.6, dtype=torch.float32)
    model = Model(a.genes, a.dim)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-5, eps=1e-8)
    times, losses, cpu, fwd, bwd, optt = [], [], [], [], [], []
    for i in range(a.steps + 1):
        t0 = time.perf_counter()
        c0 = time.process_time()  # CPU time of all threads
        x = torch.from_numpy(np.stack(bags))
        r = torch.from_numpy(np.stack(rna))
        loss = cox_breslow(model(x, r), time_, event)
        opt.zero_grad()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        l = loss.item()
        dt = time.perf_counter() - t0
        if i > 0:
            times.append(dt)
            cpu.append(time.process_time() - c0)
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
            optt.append(t3 - t2)
            losses.append(l)
    print(json.dumps({"tool": f"torch-{torch.__version__}", "threads": a.threads, "batch": a.batch, "bag": a.bag,
                      "dim": a.dim, "genes": a.genes, "steps": a.steps, "step_s": times,
                      "median_step_s": statistics.median(times),
                      "median_step_cpu_s": statistics.median(cpu),
                      "forward_s": statistics.median(fwd), "backward_s": statistics.median(bwd),
                      "optimizer_s": statistics.median(optt), "losses": losses}))


if __name__ == "__main__":
    main()
