"""The ResNet-18-shaped training step of bench/engine/resnet.ts in PyTorch eager (CPU), for the ratio.

Usage: python3 torch_step.py <batch> <size> <threads> <steps>; prints one JSON line.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

batch, size, threads, steps = (int(v) for v in sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        r = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(r + (self.down(x) if self.down is not None else x))


class Stack(nn.Module):
    def __init__(self, widths=(64, 128, 256, 512)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        stages, cin = [], widths[0]
        for s, cout in enumerate(widths):
            stages.append(nn.Sequential(Block(cin, cout, 2 if s > 0 else 1), Block(cout, cout, 1)))
            cin = cout
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        y = F.max_pool2d(self.stem(x), 3, 2, 1)
        feats = []
        for stage in self.stages:
            y = stage(y)
            feats.append(y)
        return feats


net = Stack().train()
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(batch, 3, size, size)
times = []
for _ in range(steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = sum(f.square().mean() for f in net(x)[1:])
    loss.backward()
    opt.step()
    loss.item()
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"stepMs": times, "torch": torch.__version__, "threads": torch.get_num_threads()}))
