#!/usr/bin/env python3
"""PyTorch side of `dl4jc bench-vs-pytorch`: a worker that measures the same architectures as the DL4J side.

Protocol (one JSON object per line): the first line read is {"threads": n, "width": w}; each following line
{"arch": a, "measure": "trainB64" | "inferB64" | "inferB1", "seconds": s} is answered with
{"examplesPerSecond": r, "examplesPerCpuSecond": rc, "calls": c} (rc per second of process CPU time) after running that measure for about s seconds (after a short warm-up).
The architectures mirror dl4j-compress-cli's LeNet (ssl/LeNet.java; conv 5x5 + ReLU + max-pool 2, twice, dense ReLU,
softmax), ResNet20 and SmallVgg (models/), on 1x28x28 inputs; training is SGD with Nesterov momentum 0.9, lr 0.01,
cross-entropy, like the DL4J side.
"""
import json
import sys
import time

import torch
import torch.nn as nn

LENETS = {"lenet": (20, 50, 500), "lenet-ssl": (6, 21, 276), "lenet-sslShapes": (2, 19, 275)}


def lenet(c1, c2, fc):
    return nn.Sequential(nn.Conv2d(1, c1, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * 16, fc), nn.ReLU(), nn.Linear(fc, 10))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.branch = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                    nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return torch.relu(self.branch(x) + self.shortcut(x))


def resnet20(width):
    layers = [nn.Conv2d(1, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage in range(3):
        cout = width << stage
        for block in range(3):
            layers.append(Block(cin, cout, 2 if stage > 0 and block == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def vgg(width):
    layers = []
    cin = 1
    for stage in range(3):
        cout = width << stage
        for _ in range(2):
            layers += [nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU()]
            cin = cout
        if stage < 2:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 4 * width), nn.ReLU(), nn.Linear(4 * width, 10)]
    return nn.Sequential(*layers)


def build(arch, width):
    if arch in LENETS:
        return lenet(*LENETS[arch])
    if arch == "resnet20":
        return resnet20(width)
    if arch == "vgg":
        return vgg(width)
    raise ValueError("unknown arch " + arch)


def runner(model, measure):
    batch = 1 if measure == "inferB1" else 64
    x = torch.rand(batch, 1, 28, 28)
    y = torch.arange(batch) % 10
    if measure == "trainB64":
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return step, batch
    model.eval()

    def infer():
        with torch.inference_mode():
            model(x)
    return infer, batch


def main():
    setup = json.loads(sys.stdin.readline())
    torch.set_num_threads(int(setup["threads"]))
    width = int(setup.get("width", 16))
    torch.manual_seed(1)
    models = {}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        arch = req["arch"]
        if arch not in models:
            models[arch] = build(arch, width)
        run, batch = runner(models[arch], req["measure"])
        for _ in range(3):
            run()
        calls = 0
        c0 = time.process_time()
        t0 = time.perf_counter()
        while True:
            run()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= float(req["seconds"]):
                break
        cpu = max(time.process_time() - c0, 1e-9)
        print(json.dumps({"examplesPerSecond": calls * batch / elapsed, "examplesPerCpuSecond": calls * batch / cpu,
                          "calls": calls}), flush=True)


if __name__ == "__main__":
    main()
