"""Converts a PyTorch checkpoint of the authors' models (.pth) into safetensors that invertlab loads.

Usage: python3 scripts/convert_pth.py classifier.pth classifier.safetensors [--trust-pickle]

The authors save a dict whose 'model' entry is the state_dict (prefixed 'module.' when saved from DataParallel);
a bare state_dict works too. Needs torch and safetensors; nothing else in invertlab does.

A .pth file is a pickle, and unpickling can run any code the file names. The checkpoint is therefore loaded with
torch's weights-only unpickler, which accepts tensors, containers and the numpy scalars the authors' checkpoints hold
(their training loop stores accuracies as numpy floats) and refuses everything else. --trust-pickle loads with the full
unpickler instead: only for a file whose origin you trust.
"""
import argparse
import pickle
import sys

import torch
from safetensors.torch import save_file


def numpy_scalar_globals():
    """The numpy globals a pickled numpy scalar refers to (their module moved in numpy 2)."""
    try:
        import numpy
    except ImportError:
        return []
    names = []
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            names.append(getattr(__import__(module, fromlist=["scalar"]), "scalar"))
            break
        except (ImportError, AttributeError):
            continue
    names.append(numpy.dtype)
    # numpy >= 1.25 pickles a dtype as an instance of its own class (numpy.dtypes.Float64DType, ...).
    dtypes = getattr(numpy, "dtypes", None)
    if dtypes is not None:
        names += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith("DType")]
    return names


def load_checkpoint(path, trust_pickle):
    if trust_pickle:
        print(f"warning: {path}: loading with the full unpickler (--trust-pickle); this runs any code the file holds",
              file=sys.stderr)
        return torch.load(path, map_location="cpu", weights_only=False)
    try:
        with torch.serialization.safe_globals(numpy_scalar_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        # torch's message is long; the line naming the refused global is the one that says why.
        lines = [line.strip() for line in str(error).splitlines()]
        named = [line for line in lines if "Unsupported global" in line or "WeightsUnpickler error" in line]
        detail = named[0].split(". Please use")[0] if named else "unpickling refused"
        sys.exit(f"{path}: refused: the checkpoint holds Python objects other than tensors, containers and numpy scalars, "
                 f"and loading it would run code the file names ({detail}). If you trust where the file came from, "
                 f"run again with --trust-pickle.")


def load_state_dict(path, trust_pickle):
    checkpoint = load_checkpoint(path, trust_pickle)
    state = checkpoint.get("model", checkpoint) if isinstance(checkpoint, dict) else checkpoint
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        sys.exit(f"{path}: no state_dict found (expected a dict of tensors, or one under 'model')")
    return {key.removeprefix("module."): value for key, value in state.items()}


def main():
    parser = argparse.ArgumentParser(description="Convert an authors' .pth checkpoint into safetensors for invertlab.")
    parser.add_argument("source", help="the .pth checkpoint")
    parser.add_argument("target", help="the .safetensors file to write")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="load with the full unpickler, which runs code the file names (trusted files only)")
    arguments = parser.parse_args()
    tensors = {}
    for key, value in load_state_dict(arguments.source, arguments.trust_pickle).items():
        # num_batches_tracked stays int64, as PyTorch keeps it; everything else becomes float32.
        tensors[key] = value.contiguous() if value.dtype == torch.int64 else value.float().contiguous()
    save_file(tensors, arguments.target, metadata={"converted_from": arguments.source})
    print(f"{arguments.target}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
