#!/usr/bin/env python3
"""Reference for gliofuse's optimiser + schedule (crates/models/tests/optim_parity.rs).

torch.optim.AdamW (betas 0.9/0.999, eps 1e-8, weight decay 0.01) driven by
transformers.get_cosine_schedule_with_warmup (peak 1e-2, 2 warmup steps, 6 total steps), on a
Linear(4, 3) with an MSE loss. Records the learning rate used by each step, the loss and the
parameters after each step.

Run: /work/venv-torch/bin/python tools/reference/make_adamw_fixture.py
"""
import json
import os
import sys

import torch
import transformers
from transformers import get_cosine_schedule_with_warmup

torch.manual_seed(11)
lin = torch.nn.Linear(4, 3)
x = torch.randn(6, 4)
y = torch.randn(6, 3)
opt = torch.optim.AdamW(lin.parameters(), lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=6)
out = {
    "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "python": sys.version.split()[0]},
    "x": x.tolist(), "y": y.tolist(),
    "weight0": lin.weight.detach().tolist(), "bias0": lin.bias.detach().tolist(),
    "peak_lr": 1e-2, "warmup_steps": 2, "total_steps": 6, "steps": [],
}
for step in range(6):
    lr = opt.param_groups[0]["lr"]
    opt.zero_grad()
    loss = ((lin(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    sched.step()
    out["steps"].append({"lr": lr, "loss": loss.item(), "weight": lin.weight.detach().tolist(), "bias": lin.bias.detach().tolist()})
path = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "models", "tests", "fixtures", "adamw_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("written", os.path.abspath(path))
