"""The paper's classifier and inversion model in PyTorch, with the module layout (and so the state_dict names) of
the authors' code, for fixtures, interoperability checks and the benchmark reference. Needs torch."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    """Conv3x3 -> BN -> MaxPool -> ReLU blocks (4 at 64 px, 3 at 32 px), then Linear -> Dropout -> Linear."""

    def __init__(self, image_size, classes, width):
        super().__init__()
        blocks = 4 if image_size == 64 else 3
        layers, channels = [], 1
        for block in range(blocks):
            out = width << block
            layers += [nn.Conv2d(channels, out, 3, 1, 1), nn.BatchNorm2d(out), nn.MaxPool2d(2, 2, 0), nn.ReLU(True)]
            channels = out
        self.features = channels * 4 * 4
        self.encoder = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Linear(self.features, classes * 5), nn.Dropout(0.5), nn.Linear(classes * 5, classes))

    def forward(self, x, release=False):
        logits = self.fc(self.encoder(x).view(-1, self.features))
        return F.softmax(logits, dim=1) if release else F.log_softmax(logits, dim=1)


def encode(prediction, keep, offset=50.0):
    """The authors' truncation encoding: top-k, log clamped at -1000, plus c, shift to non-negative, scatter."""
    top, indices = torch.topk(prediction, keep)
    top = torch.clamp(torch.log(top), min=-1000) + offset
    top = top + F.relu(-top.min(1, keepdim=True)[0])
    return torch.zeros_like(prediction).scatter_(1, indices, top)


class Inversion(nn.Module):
    """ConvTranspose 4x4 stages with BN and Tanh between, ending in one Sigmoid channel."""

    def __init__(self, image_size, classes, width, keep=None, offset=50.0):
        super().__init__()
        stages = 4 if image_size == 64 else 3
        layers, channels = [], classes
        for stage in range(stages):
            out = width << (stages - 1 - stage)
            first = stage == 0
            layers += [nn.ConvTranspose2d(channels, out, 4, 1 if first else 2, 0 if first else 1),
                       nn.BatchNorm2d(out), nn.Tanh()]
            channels = out
        layers += [nn.ConvTranspose2d(channels, 1, 4, 2, 1), nn.Sigmoid()]
        self.decoder = nn.Sequential(*layers)
        self.classes, self.keep, self.offset = classes, keep or classes, offset

    def forward(self, prediction):
        encoded = encode(prediction, self.keep, self.offset)
        return self.decoder(encoded.view(-1, self.classes, 1, 1))
