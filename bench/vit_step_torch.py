#!/usr/bin/env python3
"""PyTorch counterpart of crates/models/benches/vit_step.rs: one ViT-Tiny/16 training step
(forward, cross-entropy, backward, AdamW) at 224x224, batch 4, and one inference forward, on the
CPU with 2 threads. Same architecture as gliofuse's ViT: pre-LN, exact GELU, separate
query/key/value projections with bias, no CLS token, mean pooling after the final LayerNorm,
3 outputs. Attention uses torch's scaled_dot_product_attention (its fastest CPU path).

Run: /work/venv-torch/bin/python bench/vit_step_torch.py [--steps 10] [--threads 2]
Prints one JSON line (seconds; step 0 is a warm-up and not counted).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d, eps=1e-12)
        self.q, self.k, self.v, self.proj = (nn.Linear(d, d) for _ in range(4))
        self.norm2 = nn.LayerNorm(d, eps=1e-12)
        self.fc1, self.fc2 = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, z):
        b, n, d = z.shape
        h = self.norm1(z)
        split = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        a = F.scaled_dot_product_attention(split(self.q(h)), split(self.k(h)), split(self.v(h)))
        z = z + self.proj(a.transpose(1, 2).reshape(b, n, d))
        return z + self.fc2(F.gelu(self.fc1(self.norm2(z))))


class ViT(nn.Module):
    def __init__(self, image=224, patch=16, d=192, depth=12, heads=3, mlp=768, classes=3):
        super().__init__()
        self.patch = nn.Conv2d(3, d, patch, stride=patch)
        self.pos = nn.Parameter(torch.randn(1, (image // patch) ** 2, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads, mlp) for _ in range(depth))
        self.norm = nn.LayerNorm(d, eps=1e-12)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        z = self.patch(x).flatten(2).transpose(1, 2) + self.pos
        for blk in self.blocks:
            z = blk(z)
        return self.head(self.norm(z).mean(dim=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--image", type=int, default=224)
    ap.add_argument("--batch", type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ViT(image=a.image)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    x = torch.randn(a.batch, 3, a.image, a.image)
    y = torch.arange(a.batch) % 3
    train, losses, fwd, bwd, optt, cpu = [], [], [], [], [], []
    for i in range(a.steps + 1):
        t = time.perf_counter()
        c = time.process_time()  # CPU time of all threads
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        l = loss.item()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        if i > 0:
            train.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            fwd.append(t1 - t)
            bwd.append(t2 - t1)
            optt.append(time.perf_counter() - t2)
            losses.append(l)
    model.eval()
    infer = []
    with torch.no_grad():
        for i in range(a.steps + 1):
            t = time.perf_counter()
            model(x).numpy()
            if i > 0:
                infer.append(time.perf_counter() - t)
    print(json.dumps({
        "framework": f"torch-{torch.__version__}", "threads": a.threads, "image": a.image, "batch": a.batch,
        "params": sum(p.numel() for p in model.parameters()), "steps": a.steps,
        "train_step_median_s": round(statistics.median(train), 4),
        "train_step_cpu_median_s": round(statistics.median(cpu), 4), "infer_median_s": round(statistics.median(infer), 4),
        "train_forward_s": round(statistics.median(fwd), 4), "train_backward_s": round(statistics.median(bwd), 4),
        "train_optimizer_s": round(statistics.median(optt), 4),
        "train_steps_s": [round(t, 4) for t in train], "infer_s": [round(t, 4) for t in infer], "last_loss": round(losses[-1], 4),
    }))


if __name__ == "__main__":
    main()
