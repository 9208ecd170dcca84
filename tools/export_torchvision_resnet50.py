#!/usr/bin/env python3
"""Export torchvision's ImageNet ResNet-50 weights to SafeTensors for `gliofuse slides embed`.

gliofuse reads a torchvision ResNet-50 `state_dict` saved as SafeTensors (key names as
torchvision writes them: conv1.weight, bn1.*, layerL.B.convN.weight, layerL.B.bnN.*,
layerL.0.downsample.{0,1}.*; `fc.*` and `num_batches_tracked` are ignored). This script is
the supported way to make that file; it needs torch, torchvision and safetensors
(`pip install torch torchvision safetensors`) and, the first time, network access to download
the weights (torchvision caches them under ~/.cache/torch/hub/checkpoints).

Usage:
    python tools/export_torchvision_resnet50.py --out resnet50.safetensors
        [--weights IMAGENET1K_V1 | IMAGENET1K_V2]      (default IMAGENET1K_V1)
        [--checkpoint path/to/state_dict.pth]           (a local .pth instead of downloading)
        [--random-init SEED]                            (torchvision's own initialisation, no
                                                         download; for offline pipeline tests)

Which weights:
  * IMAGENET1K_V1 is `resnet50-0676ba61.pth`, torchvision's re-release of the original
    ResNet-50 weights (76.13 % top-1). The survival baseline (Steyaert et al. 2023) used the
    older `resnet50-19c8e357.pth` of the same architecture; either file can be passed with
    --checkpoint.
  * IMAGENET1K_V2 (80.86 % top-1) is torchvision's newer training recipe.
  * --checkpoint accepts any torchvision-layout ResNet-50 state_dict (for example a
    pathology-pretrained one), also wrapped as {"state_dict": ...} or with `module.` prefixes.

Then:
    gliofuse slides embed --cohort COHORT --tiles TILES --out BAGS \
        --encoder resnet50 --weights resnet50.safetensors

The script checks the export by reloading it and comparing a forward pass, and prints the
SHA-256 of the file so a run can record exactly which weights it used. Not run in CI.
"""
import argparse
import hashlib

import torch
import torchvision
from safetensors.torch import load_file, save_file


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output .safetensors file")
    ap.add_argument("--weights", default="IMAGENET1K_V1", choices=["IMAGENET1K_V1", "IMAGENET1K_V2"])
    ap.add_argument("--checkpoint", help="local torchvision ResNet-50 state_dict (.pth) instead of downloading")
    ap.add_argument("--random-init", type=int, metavar="SEED",
                    help="no pretrained weights: torchvision's default initialisation under "
                         "torch.manual_seed(SEED) (an UNTRAINED encoder; for offline runs)")
    args = ap.parse_args()

    if args.random_init is not None:
        torch.manual_seed(args.random_init)
        model = torchvision.models.resnet50(weights=None)
        source = f"random-init torchvision resnet50, torch.manual_seed({args.random_init})"
    elif args.checkpoint:
        sd = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
        if isinstance(sd, dict) and "state_dict" in sd:
            sd = sd["state_dict"]
        sd = {k.removeprefix("module.").removeprefix("model."): v for k, v in sd.items()}
        model = torchvision.models.resnet50(weights=None)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.startswith("fc.")]
        if missing:
            raise SystemExit(f"{args.checkpoint}: not a torchvision ResNet-50 state_dict; missing {missing[:5]}")
        source = args.checkpoint
    else:
        weights = torchvision.models.ResNet50_Weights[args.weights]
        model = torchvision.models.resnet50(weights=weights)
        source = weights.url
    model.eval()

    state = {k: v.detach().float().contiguous() if v.is_floating_point() else v.contiguous()
             for k, v in model.state_dict().items()}
    meta = {
        "source": source,
        "architecture": "torchvision resnet50 (Bottleneck [3, 4, 6, 3], stride on 3x3)",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "exporter": "tools/export_torchvision_resnet50.py",
    }
    save_file(state, args.out, metadata=meta)

    # reload and compare a forward pass
    check = torchvision.models.resnet50(weights=None)
    check.load_state_dict(load_file(args.out))
    check.eval()
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        diff = (model(x) - check(x)).abs().max().item()
    if diff != 0.0:
        raise SystemExit(f"re-loaded export differs from the source model (max abs {diff})")
    digest = hashlib.sha256(open(args.out, "rb").read()).hexdigest()
    print(f"wrote {args.out}: {len(state)} tensors from {source}; sha256 {digest}")


if __name__ == "__main__":
    main()
