"""Trains a run folder's target classifier and inversion model with PyTorch: the other engine of
`invertlab run --engine torch`. invertlab writes the run folder's `torch/` (job.json, the split as NPY arrays, both
models' initial weights) and runs this script; it trains with the same architectures, optimiser, batches, release
policy and encoding as invertlab's own engine, chooses the inversion model's epoch on the held-out auxiliary images
as invertlab does, and writes `classifier.safetensors`, `inversion.safetensors` (and `inversion-top1.safetensors`
when the run's class-inference grid needs a decoder trained on top-1 vectors) into the run folder. invertlab then
grades and draws the run as it does its own.

Progress goes to stdout as one JSON object per line (`step`, `classifier_epoch`, `inversion_epoch`, `stage`, and a
closing `done`); errors go to stderr, and the exit status is non-zero.

Several GPUs: torchrun --nproc_per_node N scripts/torch_engine.py RUN_FOLDER (what `--gpus N` runs): one process
per GPU under DistributedDataParallel, each step's batch split between them and their gradients averaged, batch
normalisation synchronised across them; without CUDA the processes share the CPU (gloo), which checks the code path.

Usage: python3 scripts/torch_engine.py RUN_FOLDER [--device auto|cpu|cuda]
Needs torch, numpy and safetensors (pip install torch numpy safetensors).
"""
import argparse
import copy
import json
import math
import os
import sys
import time

try:
    import numpy as np
    import torch
    import torch.distributed as distributed
    import torch.nn as nn
    import torch.nn.functional as F
    from safetensors.torch import load_file, save_file
except ImportError as missing:
    sys.stderr.write(f"the torch engine needs PyTorch, NumPy and safetensors ({missing}): pip install torch numpy safetensors\n")
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paper_models import Classifier, Inversion  # noqa: E402


class Processes:
    """This process's place among those torchrun started (one, without torchrun)."""

    def __init__(self, device_choice):
        self.count = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        cuda = torch.cuda.is_available() and device_choice != "cpu"
        if device_choice == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("--device cuda: this torch sees no CUDA device")
        if cuda:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = torch.device("cpu")
        if self.count > 1:
            distributed.init_process_group("nccl" if cuda else "gloo")

    @property
    def leads(self):
        """Whether this process reports and writes files (the others only train)."""
        return self.rank == 0

    def wrap(self, model):
        """`model` for training: under DistributedDataParallel (with synchronised batch norm on GPUs) when there are
        several processes."""
        if self.count == 1:
            return model
        if self.device.type == "cuda":
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
            return nn.parallel.DistributedDataParallel(model, device_ids=[self.device.index])
        return nn.parallel.DistributedDataParallel(model)

    def share(self, model):
        """Makes every process hold the leader's weights and buffers (batch statistics drift apart per process)."""
        if self.count > 1:
            for value in model.state_dict().values():
                distributed.broadcast(value, 0)

    def close(self):
        if self.count > 1:
            distributed.barrier()
            distributed.destroy_process_group()


def say(processes, event, **fields):
    """One progress line for invertlab, from the leading process."""
    if processes.leads:
        print(json.dumps({"event": event, **fields}), flush=True)


class Job:
    """The run as invertlab wrote it into RUN_FOLDER/torch/job.json."""

    def __init__(self, folder):
        self.folder = folder
        self.exchange = os.path.join(folder, "torch")
        with open(os.path.join(self.exchange, "job.json")) as file:
            settings = json.load(file)
        for key, value in settings.items():
            setattr(self, key, value)

    def array(self, name, device):
        return torch.from_numpy(np.load(os.path.join(self.exchange, name + ".npy"))).to(device)

    def labels(self, name, device):
        return self.array(name, device).long()


def release(probabilities, policy, generator):
    """The service's answer under `policy` (invertlab's ReleasePolicy text), row by row."""
    if policy in ("all", "full"):
        return probabilities
    kind, _, value = policy.partition(":")
    if kind.isdigit():
        keep = min(int(kind), probabilities.shape[1])
        top, indices = torch.topk(probabilities, keep, dim=1)
        return torch.zeros_like(probabilities).scatter_(1, indices, top)
    if kind == "label":
        return F.one_hot(probabilities.argmax(1), probabilities.shape[1]).to(probabilities.dtype)
    if kind == "round":
        scale = 10.0 ** int(value)
        # Halves away from zero, as invertlab rounds (probabilities are not negative).
        return torch.floor(probabilities * scale + 0.5) / scale
    if kind == "noise":
        noise = torch.randn(probabilities.shape, generator=generator, device="cpu").to(probabilities.device)
        return (probabilities + float(value) * noise).clamp(0, 1)
    if kind == "threshold":
        return torch.where(probabilities < float(value), torch.zeros_like(probabilities), probabilities)
    raise ValueError(f"release policy '{policy}' is not one the torch engine knows")


def in_batches(count, batch):
    return [range(start, min(start + batch, count)) for start in range(0, count, batch)]


@torch.no_grad()
def answers(model, images, policy, generator, batch=256):
    """The classifier's released vectors for `images`, asked in evaluation mode as invertlab's service does."""
    model.eval()
    rows = [release(model(images[list(part)], release=True), policy, generator) for part in in_batches(len(images), batch)]
    return torch.cat(rows)


@torch.no_grad()
def accuracy(model, images, labels):
    model.eval()
    correct = sum((model(images[list(part)]).argmax(1) == labels[list(part)]).sum().item()
                  for part in in_batches(len(images), 256))
    return correct / max(len(images), 1)


def adam(parameters, job):
    return torch.optim.Adam(parameters, lr=job.learning_rate, betas=(job.beta1, job.beta2), eps=job.adam_epsilon,
                            amsgrad=job.amsgrad)


def shuffled_batches(count, batch, generator, processes):
    """A fresh order per epoch, cut into batches (the last partial one kept); each process takes its share of
    every batch (the generator is seeded alike in all, so the orders agree)."""
    order = torch.randperm(count, generator=generator)
    return [order[start:min(start + batch, count)][processes.rank::processes.count].to(processes.device)
            for start in range(0, count, batch)]


def train_epoch(model, optimizer, inputs, targets, loss_of, name, epoch, epochs, job, generator, processes):
    """One pass over `inputs`, reporting each step; the mean of the batch losses, as invertlab reports an epoch."""
    batches = shuffled_batches(len(inputs), job.batch, generator, processes)
    losses = []
    for step, rows in enumerate(batches, start=1):
        model.train()
        loss = loss_of(model(inputs[rows]), targets[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        say(processes, "step", model=name, epoch=epoch, epochs=epochs, step=step, steps=len(batches), loss=loss.item())
    return sum(losses) / len(losses)


def train_classifier(job, model, data, generator, processes):
    images, labels = data["classifier_train_images"], data["classifier_train_labels"]
    trained = processes.wrap(model)
    optimizer = adam(trained.parameters(), job)
    for epoch in range(1, job.epochs_classifier + 1):
        loss = train_epoch(trained, optimizer, images, labels, F.nll_loss, "classifier", epoch, job.epochs_classifier,
                           job, generator, processes)
        if processes.leads:
            say(processes, "classifier_epoch", epoch=epoch, loss=loss, train_accuracy=accuracy(model, images, labels),
                test_accuracy=accuracy(model, data["classifier_test_images"], data["classifier_test_labels"]))
    processes.share(model)


@torch.no_grad()
def mean_squared_error(decoder, vectors, images):
    decoder.eval()
    total = sum(((decoder(vectors[list(part)]) - images[list(part)]) ** 2).sum().item()
                for part in in_batches(len(images), 256))
    return total / max(images.numel(), 1)


def train_inversion(job, classifier, decoder, data, plan, processes):
    """Trains `decoder` as `plan` says (its auxiliary set, the release of its training vectors), keeps the epoch
    with the lowest MSE on the held-out auxiliary images, and, when the plan names a victims' release, reports the
    victims' MSE each epoch. Returns the kept epoch (on the leading process)."""
    generator = torch.Generator().manual_seed(job.seed + 5)
    noise = torch.Generator().manual_seed(job.seed + 7)
    train_images = job.array(plan["auxiliary"] + "_train_images", processes.device)
    held_images = job.array(plan["auxiliary"] + "_held_out_images", processes.device)
    train_vectors = answers(classifier, train_images, plan["training_release"], noise)
    held_vectors = answers(classifier, held_images, plan["training_release"], noise)
    trained = processes.wrap(decoder)
    optimizer = adam(trained.parameters(), job)
    best = None
    for epoch in range(1, job.epochs_inversion + 1):
        loss = train_epoch(trained, optimizer, train_vectors, train_images, F.mse_loss, "inversion", epoch,
                           job.epochs_inversion, job, generator, processes)
        if not processes.leads:
            continue
        held_out = mean_squared_error(decoder, held_vectors, held_images) if len(held_images) else loss
        if math.isfinite(held_out) and (best is None or held_out < best[1]):
            best = (epoch, held_out, copy.deepcopy(decoder.state_dict()))
        if plan.get("victim_release") is not None:
            victims = [mean_squared_error(decoder, answers(classifier, data[name], plan["victim_release"], noise), data[name])
                       for name in ("classifier_train_images", "classifier_test_images")]
            say(processes, "inversion_epoch", file=plan["file"], epoch=epoch, loss=loss, held_out_mse=held_out,
                victim_train_mse=victims[0], victim_test_mse=victims[1])
    if best is not None:
        decoder.load_state_dict(best[2])
    return best[0] if best is not None else None


def save(model, path):
    state = {name: value.detach().cpu().contiguous() for name, value in model.state_dict().items()}
    save_file(state, path + ".partial", metadata={"written_by": f"invertlab torch engine (torch {torch.__version__})"})
    os.replace(path + ".partial", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="the run folder invertlab prepared")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    arguments = parser.parse_args()
    processes = Processes(arguments.device)
    device = processes.device
    # invertlab computes in float32 throughout; TF32 on a GPU would not.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    job = Job(arguments.folder)
    torch.manual_seed(job.seed)
    say(processes, "stage", text=f"torch {torch.__version__} on {device} x {processes.count}: loading the split invertlab exported")
    data = {name: job.array(name, device) for name in ("classifier_train_images", "classifier_test_images")}
    for name in ("classifier_train_labels", "classifier_test_labels"):
        data[name] = job.labels(name, device)
    started = time.time()
    classifier = Classifier(job.image_size, job.classes, job.width).to(device)
    classifier.load_state_dict(load_file(os.path.join(job.exchange, "classifier-init.safetensors")))
    if job.train_classifier:
        say(processes, "stage", text=f"training the classifier on {len(data['classifier_train_images'])} private images")
        train_classifier(job, classifier, data, torch.Generator().manual_seed(job.seed), processes)
    if processes.leads:
        save(classifier, os.path.join(job.folder, "classifier.safetensors"))
    classifier_seconds = time.time() - started
    chosen_epochs, decoder_seconds = {}, {}
    for plan in job.decoders:
        started_decoder = time.time()
        decoder = Inversion(job.image_size, job.classes, job.width, keep=plan["keep"]).to(device)
        decoder.load_state_dict(load_file(os.path.join(job.exchange, "inversion-init.safetensors")))
        say(processes, "stage", text=f"training the inversion model {plan['file']} (vectors released: {plan['training_release']})")
        chosen_epochs[plan["file"]] = train_inversion(job, classifier, decoder, data, plan, processes)
        if processes.leads:
            save(decoder, os.path.join(job.folder, plan["file"]))
        decoder_seconds[plan["file"]] = time.time() - started_decoder
    say(processes, "done", device=f"{device} x {processes.count}", torch=torch.__version__, classifier_seconds=classifier_seconds,
        chosen_epochs=chosen_epochs, inversion_seconds=decoder_seconds)
    processes.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # reported to invertlab, which marks the run folder failed with this reason
        sys.stderr.write(f"torch engine: {type(error).__name__}: {error}\n")
        sys.exit(1)
