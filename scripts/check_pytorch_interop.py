"""Checks that invertlab and the authors' PyTorch modules exchange models both ways with the same outputs.

1. PyTorch -> invertlab: a PyTorch model (with non-trivial BatchNorm buffers) saved with safetensors runs under
   `invertlab infer` and gives PyTorch's outputs.
2. invertlab -> PyTorch: a model written by `invertlab init` loads with load_state_dict(strict=True) and PyTorch's
   outputs match `invertlab infer` on the same file.
Usage: python3 scripts/check_pytorch_interop.py .build/release/invertlab   (needs torch, safetensors, numpy)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paper_models import Classifier, Inversion  # noqa: E402


def infer(binary, folder, arch, size, classes, width, weights, inputs, truncation=None):
    np.save(os.path.join(folder, "in.npy"), inputs.numpy().astype(np.float32))
    command = [binary, "infer", "--arch", arch, "--size", str(size), "--classes", str(classes), "--width", str(width),
               "--weights", weights, "--input", os.path.join(folder, "in.npy"), "--output", os.path.join(folder, "out.npy")]
    if truncation:
        command += ["--truncation", str(truncation)]
    subprocess.run(command, check=True)
    return torch.from_numpy(np.load(os.path.join(folder, "out.npy")))


def pytorch_outputs(model, arch, inputs):
    model.eval()
    with torch.no_grad():
        return model(inputs, release=True) if arch == "classifier" else model(inputs)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/invertlab"
    torch.manual_seed(3)
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for size, classes, width in ((32, 10, 8), (64, 20, 8)):
            for arch in ("classifier", "inversion"):
                model = Classifier(size, classes, width) if arch == "classifier" else Inversion(size, classes, width, keep=3)
                inputs = (torch.rand(5, 1, size, size) if arch == "classifier"
                          else torch.softmax(torch.randn(5, classes) * 3, dim=1))
                for module in model.modules():
                    if isinstance(module, torch.nn.BatchNorm2d):
                        module.running_mean.normal_()
                        module.running_var.uniform_(0.5, 2)
                        module.num_batches_tracked.fill_(7)
                weights = os.path.join(folder, "pytorch.safetensors")
                save_file(model.state_dict(), weights)
                theirs = pytorch_outputs(model, arch, inputs)
                ours = infer(binary, folder, arch, size, classes, width, weights, inputs, 3 if arch == "inversion" else None)
                worst = max(worst, (theirs - ours).abs().max().item())

                written = os.path.join(folder, "invertlab.safetensors")
                subprocess.run([binary, "init", "--arch", arch, "--size", str(size), "--classes", str(classes),
                                "--width", str(width), "--seed", "11", "--output", written], check=True)
                fresh = Classifier(size, classes, width) if arch == "classifier" else Inversion(size, classes, width, keep=3)
                fresh.load_state_dict(load_file(written), strict=True)
                theirs = pytorch_outputs(fresh, arch, inputs)
                ours = infer(binary, folder, arch, size, classes, width, written, inputs, 3 if arch == "inversion" else None)
                worst = max(worst, (theirs - ours).abs().max().item())
                print(f"{arch} {size}px: both directions load strictly; outputs agree", flush=True)
    print(f"largest output difference: {worst:.2e}")
    if worst > 1e-4:
        sys.exit("outputs differ by more than 1e-4")


if __name__ == "__main__":
    main()
