"""Converts a PyTorch checkpoint of the authors' models (.pth) into safetensors that invertlab loads.

Usage: python3 scripts/convert_pth.py classifier.pth classifier.safetensors
The authors save a dict whose 'model' entry is the state_dict (prefixed 'module.' when saved from DataParallel);
a bare state_dict works too. Needs torch and safetensors; nothing else in invertlab does.
"""
import sys

import torch
from safetensors.torch import save_file


def load_state_dict(path):
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # older checkpoints hold numpy scalars that the safe loader refuses
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    state = checkpoint.get("model", checkpoint) if isinstance(checkpoint, dict) else checkpoint
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        sys.exit(f"{path}: no state_dict found (expected a dict of tensors, or one under 'model')")
    return {key.removeprefix("module."): value for key, value in state.items()}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1:]
    tensors = {}
    for key, value in load_state_dict(source).items():
        # num_batches_tracked stays int64, as PyTorch keeps it; everything else becomes float32.
        tensors[key] = value.contiguous() if value.dtype == torch.int64 else value.float().contiguous()
    save_file(tensors, target, metadata={"converted_from": source})
    print(f"{target}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
