"""Writes the small files the Datasets tests load: a labelled image folder in PNG and JPEG (one colour image among
them), a FaceScrub-style .npz (stored and deflated), and an .npy of CelebA-style float images. Needs numpy and
Pillow; the tests don't.  Run from the repository root:  python3 scripts/make_dataset_fixtures.py
"""
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DatasetsTests", "Fixtures")
rng = np.random.default_rng(7)


def gradient(width, height, shift):
    x = np.linspace(0, 255, width)[None, :] + shift
    return np.clip(np.repeat(x, height, axis=0), 0, 255).astype(np.uint8)


def folder():
    for label, name in enumerate(["alice", "bob"]):
        path = os.path.join(OUT, "folder", name)
        os.makedirs(path, exist_ok=True)
        for index in range(3):
            image = gradient(12, 10, 40 * label + 10 * index)
            if index == 0:
                Image.fromarray(image).save(os.path.join(path, f"{index}.png"))
            elif index == 1:
                Image.fromarray(image).save(os.path.join(path, f"{index}.jpg"), quality=95)
            else:
                colour = np.stack([image, image // 2, 255 - image], axis=-1)
                Image.fromarray(colour).save(os.path.join(path, f"{index}.png"))


def archives():
    actors = rng.integers(0, 256, size=(4, 8, 8), dtype=np.uint8)
    actresses = rng.integers(0, 256, size=(3, 8, 8), dtype=np.uint8)
    arrays = dict(actor_images=actors, actor_labels=np.array([0, 0, 1, 1]),
                  actress_images=actresses, actress_labels=np.array([0, 1, 1]))
    np.savez(os.path.join(OUT, "facescrub_stored.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "facescrub_deflated.npz"), **arrays)
    np.save(os.path.join(OUT, "celeb_floats.npy"), rng.random((5, 8, 8)).astype(np.float32))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    folder()
    archives()
    print("fixtures written to", os.path.normpath(OUT))
