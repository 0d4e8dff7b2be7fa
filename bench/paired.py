"""Paired benchmark of invertlab against PyTorch on this machine, for `make bench-paired`.

Usage: python3 bench/paired.py BINARY [--rounds 5] [--seconds 2] [--configs "32,40,32;32,40,64"]

The two sides run alternately, one configuration at a time, and swap who goes first every round, so that a slow
minute on a shared machine hits both; each pair gives one ratio (ours / PyTorch, images per second) and the table
shows the median of those ratios with their range. One side timed after the other, minutes apart, is not a
comparison. The BLAS kernels invertlab ran are printed (needs torch: pip install torch).
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

DEFAULT_CONFIGS = "32,40,64;32,40,32;64,100,64;128,530,64"


def ours(binary, config, seconds):
    output = subprocess.run([binary, "bench", "--json", "--no-workbench", "--seconds", str(seconds), "--configs", config],
                            check=True, capture_output=True, text=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    return report["configs"][0], report["blas"]


def theirs(config, seconds):
    script = Path(__file__).with_name("pytorch_reference.py")
    output = subprocess.run([sys.executable, str(script), "--json", "--seconds", str(seconds), "--configs", config],
                            check=True, capture_output=True, text=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    return report["configs"][0], report["torch"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", help="the invertlab executable")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help="width,classes,pixels separated by ';'")
    arguments = parser.parse_args()
    if arguments.rounds < 1 or not arguments.seconds > 0:
        sys.exit("--rounds must be at least 1 and --seconds positive")
    rows = []
    blas = torch_version = None
    for config in arguments.configs.split(";"):
        ratios = {"classifier": [], "attack": [], "private_classifier": [], "gan": [], "gmi_iteration": []}
        for round_number in range(arguments.rounds):
            # Swapping the order each round keeps a drift in machine load from favouring one side.
            if round_number % 2 == 0:
                (mine, blas), (reference, torch_version) = ours(arguments.binary, config, arguments.seconds), theirs(config, arguments.seconds)
            else:
                (reference, torch_version), (mine, blas) = theirs(config, arguments.seconds), ours(arguments.binary, config, arguments.seconds)
            for step in ratios:
                if step in reference:  # the DP-SGD step needs opacus on the PyTorch side
                    ratios[step].append(mine[step]["images_per_second"] / reference[step]["images_per_second"])
            print(f"({config}) round {round_number + 1}: "
                  + ", ".join(f"{step} {values[-1]:.2f}x" for step, values in ratios.items() if values), file=sys.stderr)
        rows.append((config, ratios))
    print(blas)
    print(f"PyTorch {torch_version}; {arguments.rounds} alternating pairs per configuration; ours / PyTorch, images per second")
    print("| (width, classes, px) | classifier: median (range) | attack: median (range) | DP-SGD vs Opacus: median (range) "
          "| GAN step: median (range) | GMI iteration: median (range) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for config, ratios in rows:
        cells = [f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})" if values else "no opacus"
                 for values in ratios.values()]
        print(f"| ({config.replace(',', ', ')}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
