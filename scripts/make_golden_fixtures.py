"""Writes the golden values the NeuralNet tests compare against: forward and backward of each layer, the optimisers,
and one full training step of each paper architecture at small width. Needs torch and safetensors; the tests don't.

Run from the repository root:  python3 scripts/make_golden_fixtures.py
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paper_models import Classifier, Inversion, encode  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NeuralNetTests", "Fixtures")
torch.manual_seed(0)


def save(name, tensors):
    save_file({k: v.detach().float().contiguous() for k, v in tensors.items()}, os.path.join(OUT, name + ".safetensors"))


def layer_case(name, module, shape, train=True, positive=False):
    """Forward a random input through `module`, back-propagate a random output gradient, save everything."""
    module.train(train)
    x = torch.randn(*shape)
    if positive:
        x = x.abs() + 0.1
    x.requires_grad_(True)
    params = {"param." + k: v.detach().clone() for k, v in module.state_dict().items() if v.dtype.is_floating_point}
    y = module(x)
    grad_output = torch.randn_like(y)
    y.backward(grad_output)
    tensors = {"input": x, "output": y, "grad_output": grad_output, "grad_input": x.grad, **params}
    tensors.update({"grad." + k: p.grad for k, p in module.named_parameters()})
    tensors.update({"after." + k: v for k, v in module.state_dict().items() if v.dtype.is_floating_point})
    save(name, tensors)


def layers():
    layer_case("conv2d_k3_s1_p1", nn.Conv2d(3, 4, 3, 1, 1), (2, 3, 6, 5))
    layer_case("conv2d_k3_s2_p0", nn.Conv2d(2, 3, 3, 2, 0), (2, 2, 7, 7))
    layer_case("conv2d_k4_s2_p1", nn.Conv2d(2, 3, 4, 2, 1), (3, 2, 8, 6))
    layer_case("convtranspose2d_k4_s1_p0", nn.ConvTranspose2d(5, 3, 4, 1, 0), (2, 5, 1, 1))
    layer_case("convtranspose2d_k4_s2_p1", nn.ConvTranspose2d(3, 2, 4, 2, 1), (2, 3, 4, 3))
    layer_case("batchnorm2d_training", nn.BatchNorm2d(3), (4, 3, 3, 2))
    bn = nn.BatchNorm2d(3)
    bn.running_mean.copy_(torch.randn(3))
    bn.running_var.copy_(torch.rand(3) + 0.5)
    bn.weight.data.copy_(torch.randn(3))
    bn.bias.data.copy_(torch.randn(3))
    layer_case("batchnorm2d_evaluation", bn, (4, 3, 3, 2), train=False)
    layer_case("maxpool2d", nn.MaxPool2d(2, 2, 0), (2, 3, 6, 4))
    layer_case("relu", nn.ReLU(), (2, 3, 4, 4))
    layer_case("tanh", nn.Tanh(), (2, 3, 4, 4))
    layer_case("sigmoid", nn.Sigmoid(), (2, 3, 4, 4))
    layer_case("linear", nn.Linear(7, 5), (3, 7))
    layer_case("softmax", nn.Softmax(dim=1), (3, 6))
    layer_case("log_softmax", nn.LogSoftmax(dim=1), (3, 6))

    mask = (torch.rand(3, 8) > 0.5).float()
    x = torch.randn(3, 8, requires_grad=True)
    y = x * mask / 0.5
    g = torch.randn_like(y)
    y.backward(g)
    save("dropout", {"input": x, "mask": mask, "output": y, "grad_output": g, "grad_input": x.grad})

    log_probabilities = F.log_softmax(torch.randn(4, 6), dim=1).requires_grad_(True)
    targets = torch.tensor([1, 0, 5, 3])
    loss = F.nll_loss(log_probabilities, targets)
    loss.backward()
    save("nll_loss", {"input": log_probabilities, "targets": targets, "loss": loss.reshape(1),
                      "grad_input": log_probabilities.grad})

    prediction, target = torch.randn(2, 3, 4, requires_grad=True), torch.randn(2, 3, 4)
    loss = F.mse_loss(prediction, target)
    loss.backward()
    save("mse_loss", {"input": prediction, "target": target, "loss": loss.reshape(1), "grad_input": prediction.grad})

    for keep in (1, 3, 8):
        logits = torch.randn(4, 8) * 4
        logits[3, 0] = -900.0  # a probability that underflows, so the clamp and the shift both act
        probabilities = F.softmax(logits, dim=1).requires_grad_(True)
        encoded = encode(probabilities, keep)
        g = torch.randn_like(encoded)
        encoded.backward(g)
        save(f"encoding_k{keep}", {"input": probabilities, "output": encoded, "grad_output": g,
                                   "grad_input": probabilities.grad})


def optimisers():
    for name, make in [("adam_amsgrad", lambda p: torch.optim.Adam(p, lr=2e-4, betas=(0.5, 0.999), amsgrad=True)),
                       ("adam", lambda p: torch.optim.Adam(p, lr=1e-2)),
                       ("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))]:
        parameter = nn.Parameter(torch.randn(10))
        start = parameter.detach().clone()
        optimiser = make([parameter])
        gradients = torch.randn(3, 10)
        for step in range(3):
            parameter.grad = gradients[step].clone()
            optimiser.step()
        save("optimiser_" + name, {"start": start, "gradients": gradients, "after": parameter})


def training_step(name, model, inputs, loss_of, extra):
    """One step: forward in training mode, loss, backward, paper Adam; save state before and after."""
    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.999), amsgrad=True)
    before = {"init." + k: v.clone() for k, v in model.state_dict().items() if v.dtype.is_floating_point}
    loss = loss_of(model(inputs))
    optimiser.zero_grad()
    loss.backward()
    gradients = {"grad." + k: p.grad.clone() for k, p in model.named_parameters()}
    optimiser.step()
    after = {"after." + k: v for k, v in model.state_dict().items() if v.dtype.is_floating_point}
    save(name, {"input": inputs, "loss": loss.reshape(1), **before, **gradients, **after, **extra})


class ReplayedDropout(nn.Module):
    """Dropout(0.5) with a recorded mask, so the Swift side can replay the same one."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask / 0.5


def steps():
    for size in (32, 64):
        classes, width, batch = 5, 4, 6
        classifier = Classifier(size, classes, width)
        mask = (torch.rand(batch, classes * 5) > 0.5).float()
        classifier.fc[1] = ReplayedDropout(mask)
        images = torch.rand(batch, 1, size, size)
        labels = torch.randint(0, classes, (batch,))
        training_step(f"classifier_step_{size}", classifier, images,
                      lambda out: F.nll_loss(out, labels), {"labels": labels, "dropout_mask": mask})

        inversion = Inversion(size, classes, width, keep=3)
        probabilities = F.softmax(torch.randn(batch, classes) * 3, dim=1)
        targets = torch.rand(batch, 1, size, size)
        training_step(f"inversion_step_{size}", inversion, probabilities,
                      lambda out: F.mse_loss(out, targets), {"targets": targets})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    layers()
    optimisers()
    steps()
    print("fixtures written to", os.path.normpath(OUT))
