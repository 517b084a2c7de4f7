"""The demo detector's inference forward in PyTorch eager (CPU): the twin of bench/inference.bench.ts.

It rebuilds, in plain torch, the network configs/retinanet/retinanet_r18_fpn_demo_shapes.yaml makes:
- ResNet-18 at 16 base channels (layer1..layer4 of 16, 32, 64, 128), GroupNorm of 16 groups after
  every conv, C3..C5 out (registry/backbones/resnet.ts);
- FPN: 1x1 laterals and 3x3 outputs at 32 channels on C3..C5, P6 a stride-2 conv on C5 (on_input), 4 levels;
- RetinaHead: 2-conv towers of 32 channels, each conv without bias followed by GN(8) and ReLU, then
  the 3x3 classifier (9 anchors x classes) and box regressor (9 x 4), with biases.
Weights are random (the forward costs the same). Only the network is timed: detlab's decoding and
NMS have no counterpart here. The parameter count is printed so it can be checked against detlab's
deployed model.

Usage: python3 torch_infer.py <batch> <size> <threads> <steps> <num_classes>; prints one JSON line.
"""
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import BasicBlock, conv, parse_args

batch, size, steps, num_classes = parse_args()
BASE, GROUPS, CHANNELS, HEAD_GROUPS, ANCHORS = 16, 16, 32, 8, 9


def gn(channels):
    return nn.GroupNorm(GROUPS, channels)


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.gn1 = conv(3, BASE, 7, 2), gn(BASE)
        stages, cin = [], BASE
        for s in range(4):
            planes = BASE * 2 ** s
            stages.append(nn.Sequential(BasicBlock(cin, planes, 2 if s > 0 else 1, gn), BasicBlock(planes, planes, 1, gn)))
            cin = planes
        self.stages = nn.ModuleList(stages)
        ins = (2 * BASE, 4 * BASE, 8 * BASE)
        self.laterals = nn.ModuleList(conv(c, CHANNELS, 1, bias=True) for c in ins)
        self.outputs = nn.ModuleList(conv(CHANNELS, CHANNELS, 3, bias=True) for _ in ins)
        self.extra = conv(ins[-1], CHANNELS, 3, 2, bias=True)

        def tower():
            return nn.Sequential(*[m for _ in range(2) for m in (conv(CHANNELS, CHANNELS, 3), nn.GroupNorm(HEAD_GROUPS, CHANNELS), nn.ReLU())])

        self.cls_tower, self.reg_tower = tower(), tower()
        self.cls = conv(CHANNELS, ANCHORS * num_classes, 3, bias=True)
        self.reg = conv(CHANNELS, ANCHORS * 4, 3, bias=True)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.gn1(self.conv1(x))), 3, 2, 1)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        c3, c4, c5 = feats[1:]
        lats = [lat(c) for lat, c in zip(self.laterals, (c3, c4, c5))]
        for i in range(2, 0, -1):
            lats[i - 1] = lats[i - 1] + F.interpolate(lats[i], size=lats[i - 1].shape[2:], mode="nearest")
        levels = [out(lat) for out, lat in zip(self.outputs, lats)] + [self.extra(c5)]
        return [(self.cls(self.cls_tower(p)), self.reg(self.reg_tower(p))) for p in levels]


model = Detector().eval()
images = torch.randn(batch, 3, size, size)
step_ms = []
with torch.no_grad():
    for _ in range(steps + 1):
        t0 = time.perf_counter()
        model(images)
        step_ms.append((time.perf_counter() - t0) * 1000)
print(json.dumps({
    "stepMs": step_ms,
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "params": sum(p.numel() for p in model.parameters()),
}))
