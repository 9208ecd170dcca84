#!/usr/bin/env python3
"""Reference fixture for gliofuse's ViT import, forward and Grad-CAM (crates/models).

Creates a randomly initialised HuggingFace `transformers` ViTForImageClassification with the
ViT-Tiny widths (hidden 192, 3 heads, MLP 768, patch 16, exact GELU, LayerNorm eps 1e-12) but a
reduced depth (2 layers) and a small image (64 px, a 4x4 patch grid), so the fixture stays small.
Biases and LayerNorm parameters are randomised as well (HF initialises them to 0/1), so that a
wrong key mapping cannot go unnoticed. Weights are stored in float16 (to halve the file) and
the reference is computed with exactly those float16 values cast back to float32.

gliofuse has no CLS token and mean-pools all patch tokens after the final LayerNorm, so the
reference logits are NOT HF's `forward` (which prepends a CLS token): they are computed with HF's
own modules the gliofuse way:
    z0 = patch_embeddings(x) + position_embeddings[:, 1:]      (CLS position dropped)
    z_l = layer_l(z_{l-1})                                     (HF ViTLayer)
    logits = classifier(mean_tokens(vit.layernorm(z_L)))

Outputs (crates/models/tests/fixtures/):
  vit_hf_tiny.safetensors   the checkpoint (HF key names, float16)
  vit_reference.safetensors input [2,3,64,64], logits, block-0 and block-1 token outputs,
                            Grad-CAM maps (block 0, class [2, 0]; block 1, class [1, 1]),
                            and at 96 px (grid 6x6): the bicubic-resampled position table,
                            input and logits. Library versions in the metadata.

Run: /work/venv-torch/bin/python tools/reference/make_vit_fixture.py
"""
import json
import os
import sys

import numpy as np
import safetensors
import torch
import torch.nn.functional as F
import transformers
from safetensors.torch import save_file
from transformers import ViTConfig, ViTForImageClassification

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "models", "tests", "fixtures")
torch.manual_seed(20240815)
torch.set_grad_enabled(True)

cfg = ViTConfig(
    hidden_size=192, num_hidden_layers=2, num_attention_heads=3, intermediate_size=768,
    hidden_act="gelu", layer_norm_eps=1e-12, image_size=64, patch_size=16, num_channels=3,
    qkv_bias=True, num_labels=3, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
)
model = ViTForImageClassification(cfg).eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("bias") or "layernorm" in name:
            p.add_(0.05 * torch.randn_like(p))
        if "position_embeddings" in name or "cls_token" in name:
            p.copy_(0.5 * torch.randn_like(p))
        if name == "classifier.weight":  # larger head: logits of order 1, sharper CAM gradients
            p.copy_(0.5 * torch.randn_like(p))
    # round-trip through float16: the fixture stores float16, the reference uses those values
    for p in model.parameters():
        p.copy_(p.half().float())

state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items()}
os.makedirs(OUT, exist_ok=True)
save_file(state, os.path.join(OUT, "vit_hf_tiny.safetensors"), metadata={"format": "pt"})

vit = model.vit


def layer_fwd(layer, h):
    out = layer(h)
    return out[0] if isinstance(out, tuple) else out


def tokens_after(x, upto, pos):
    """Tokens after blocks 0..upto-1 (gliofuse: no CLS)."""
    z = vit.embeddings.patch_embeddings(x, interpolate_pos_encoding=True) + pos
    for l in range(upto):
        z = layer_fwd(vit.encoder.layer[l], z)
    return z


def head_from(z, start):
    for l in range(start, cfg.num_hidden_layers):
        z = layer_fwd(vit.encoder.layer[l], z)
    return model.classifier(vit.layernorm(z).mean(dim=1))


def grad_cam(x, block, classes, pos):
    with torch.no_grad():
        z = tokens_after(x, block + 1, pos)
    z = z.detach().requires_grad_(True)
    logits = head_from(z, block + 1)
    score = logits.gather(1, torch.tensor(classes)[:, None]).sum()
    (g,) = torch.autograd.grad(score, z)
    alpha = g.mean(dim=1, keepdim=True)                   # [B, 1, D] spatial mean
    cam = F.relu((alpha * z).sum(dim=-1))                  # [B, N]
    b, n = cam.shape
    s = int(round(n ** 0.5))
    cam = cam.reshape(b, 1, s, s)
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    cam = cam - cam.amin(dim=(1, 2), keepdim=True)
    cam = cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-7)
    return cam.detach()


pos_full = vit.embeddings.position_embeddings.detach()[:, 1:]     # drop CLS position
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    tok0 = tokens_after(x, 1, pos_full)
    tok1 = tokens_after(x, 2, pos_full)
    logits = head_from(tok1, 2)

cam_b0 = grad_cam(x, 0, [2, 0], pos_full)
cam_b1 = grad_cam(x, 1, [1, 1], pos_full)

# position table resampled to a 6x6 grid (96 px), as transformers' interpolate_pos_encoding
g = 4
table = pos_full.reshape(1, g, g, 192).permute(0, 3, 1, 2)
pos96 = F.interpolate(table, size=(6, 6), mode="bicubic", align_corners=False)
pos96 = pos96.permute(0, 2, 3, 1).reshape(1, 36, 192)
x96 = torch.randn(1, 3, 96, 96)
with torch.no_grad():
    logits96 = head_from(tokens_after(x96, 2, pos96), 2)

ref = {
    "input": x, "logits": logits, "tokens_block0": tok0, "tokens_block1": tok1,
    "cam_block0": cam_b0, "cam_block1": cam_b1,
    "pos96": pos96, "input96": x96, "logits96": logits96,
}
ref = {k: v.detach().float().contiguous() for k, v in ref.items()}
meta = {
    "torch": torch.__version__, "transformers": transformers.__version__,
    "safetensors": safetensors.__version__, "numpy": np.__version__,
    "python": sys.version.split()[0], "cam_classes_block0": "[2, 0]", "cam_classes_block1": "[1, 1]",
    "config": json.dumps(cfg.to_dict(), sort_keys=True, default=str),
}
save_file(ref, os.path.join(OUT, "vit_reference.safetensors"), metadata=meta)
print("logits", logits)
print("written to", os.path.abspath(OUT))
