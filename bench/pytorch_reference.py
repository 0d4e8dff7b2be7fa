"""Times the same training steps as `invertlab bench` in PyTorch on the CPU with 2 threads, for `make bench-compare`.

Usage: python3 bench/pytorch_reference.py [--json] [--seconds S] [--configs "32,40,64;..."]
Needs torch; nothing else in invertlab does. With opacus installed it also times a DP-SGD step of the classifier with
group normalisation (Opacus's GradSampleModule and DPOptimizer, clipping 1, noise multiplier 1). It also times a step
of GMI's GAN and one iteration of GMI's latent search.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from paper_models import Classifier, Inversion  # noqa: E402

STANDARD = [(32, 40, 64), (32, 40, 32), (64, 100, 64), (128, 530, 64)]


def timed(step, minimum_seconds):
    """Seconds per step after one warm-up step, running at least 2 steps and `minimum_seconds`."""
    step()
    steps, started = 0, time.perf_counter()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - started
        if steps >= 2 and elapsed >= minimum_seconds:
            return elapsed / steps, steps


def private_step(pixels, classes, width, images, labels, adam):
    """Opacus's DP-SGD step on the classifier with every BatchNorm2d replaced as Opacus's validator does, or None
    without opacus."""
    try:
        from opacus import GradSampleModule
        from opacus.optimizers import DPOptimizer
        from opacus.validators import ModuleValidator
    except ImportError:
        return None
    torch.manual_seed(2019)
    model = GradSampleModule(ModuleValidator.fix(Classifier(pixels, classes, width)))
    optimiser = DPOptimizer(torch.optim.Adam(model.parameters(), **adam), noise_multiplier=1.0, max_grad_norm=1.0,
                            expected_batch_size=len(images))

    def step():
        model.train()
        optimiser.zero_grad()
        F.nll_loss(model(images), labels).backward()
        optimiser.step()
    return step


def logits_of(classifier):
    """The classifier's logits (its forward ends in a log-softmax)."""
    return lambda x: classifier.fc(classifier.encoder(x).view(-1, classifier.features))


def gan_steps(pixels, classes, width, images, labels, adam, classifier):
    """GMI's GAN as invertlab builds it (generator = the inversion decoder fed z in [-1, 1]^100, discriminator = the
    classifier with one logit, non-saturating loss): one training step, and one latent-search iteration (generator,
    discriminator and target forward, backward to z only: the networks' weights are frozen, as PyTorch users would)."""
    torch.manual_seed(2019)
    generator = Inversion(pixels, 100, width).decoder
    critic = Classifier(pixels, 1, width)
    critic_logits = logits_of(critic)
    generator_optimiser = torch.optim.Adam(generator.parameters(), **adam)
    critic_optimiser = torch.optim.Adam(critic.parameters(), **adam)
    batch = len(images)
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def latent(count):
        return (torch.rand(count, 100) * 2 - 1).view(count, 100, 1, 1)

    def gan_step():
        generator.train()
        critic.train()
        critic_optimiser.zero_grad()
        F.binary_cross_entropy_with_logits(critic_logits(images), ones).backward()
        with torch.no_grad():
            fake = generator(latent(batch))
        F.binary_cross_entropy_with_logits(critic_logits(fake), zeros).backward()
        critic_optimiser.step()
        generator_optimiser.zero_grad()
        F.binary_cross_entropy_with_logits(critic_logits(generator(latent(batch))), ones).backward()
        generator_optimiser.step()

    search_models = [generator, critic, classifier]
    target_logits = logits_of(classifier)
    z = latent(batch).view(batch, 100).clone().requires_grad_(True)

    def gmi_iteration():
        for model in search_models:
            model.eval()
            model.requires_grad_(False)
        z.grad = None
        image = generator(z.view(batch, 100, 1, 1))
        loss = -critic_logits(image).sum() + 100 * F.cross_entropy(target_logits(image), labels, reduction="sum")
        loss.backward()
        with torch.no_grad():
            z.sub_(0.02 * z.grad).clamp_(-1, 1)
        for model in search_models:
            model.requires_grad_(True)
    return gan_step, gmi_iteration


def measure(width, classes, pixels, batch, minimum_seconds):
    torch.manual_seed(2019)
    classifier = Classifier(pixels, classes, width)
    inversion = Inversion(pixels, classes, width)
    images = torch.rand(batch, 1, pixels, pixels)
    labels = torch.arange(batch) % classes
    adam = dict(lr=2e-4, betas=(0.5, 0.999), amsgrad=True)
    classifier_optimiser = torch.optim.Adam(classifier.parameters(), **adam)
    inversion_optimiser = torch.optim.Adam(inversion.parameters(), **adam)

    def classifier_step():
        classifier.train()
        classifier_optimiser.zero_grad()
        F.nll_loss(classifier(images), labels).backward()
        classifier_optimiser.step()

    def attack_step():
        classifier.eval()
        with torch.no_grad():
            prediction = classifier(images, release=True)
        inversion.train()
        inversion_optimiser.zero_grad()
        F.mse_loss(inversion(prediction), images).backward()
        inversion_optimiser.step()

    result = {"width": width, "classes": classes, "pixels": pixels}
    steps_to_time = [("classifier", classifier_step), ("attack", attack_step)]
    dp_step = private_step(pixels, classes, width, images, labels, adam)
    if dp_step is not None:
        steps_to_time.append(("private_classifier", dp_step))
    gan_step, gmi_iteration = gan_steps(pixels, classes, width, images, labels, adam, classifier)
    steps_to_time += [("gan", gan_step), ("gmi_iteration", gmi_iteration)]
    for name, step in steps_to_time:
        seconds, steps = timed(step, minimum_seconds)
        result[name] = {"images_per_second": batch / seconds, "steps": steps}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum time per kind of step")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--configs", help="width,classes,pixels separated by ';'")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    configs = STANDARD if not args.configs else [tuple(int(n) for n in item.split(",")) for item in args.configs.split(";")]
    results = []
    for width, classes, pixels in configs:
        result = measure(width, classes, pixels, args.batch, args.seconds)
        results.append(result)
        if not args.json:
            line = (f"({width}, {classes}, {pixels})  classifier {result['classifier']['images_per_second']:8.1f} img/s"
                    f"  attack {result['attack']['images_per_second']:8.1f} img/s")
            if "private_classifier" in result:
                line += f"  DP-SGD {result['private_classifier']['images_per_second']:8.1f} img/s"
            line += (f"  GAN {result['gan']['images_per_second']:8.1f} img/s"
                     f"  GMI iteration {result['gmi_iteration']['images_per_second']:8.1f} latents/s")
            print(line, flush=True)
    if args.json:
        print(json.dumps({"torch": torch.__version__, "threads": args.threads, "batch": args.batch, "configs": results}))


if __name__ == "__main__":
    main()
