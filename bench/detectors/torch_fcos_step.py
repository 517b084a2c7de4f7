"""FCOS-R18-FPN's training step in PyTorch eager (CPU): the twin of bench/detectors/child.ts for
configs/_base_/models/fcos_r18_fpn.yaml with the child's num_classes 6.

It rebuilds, in plain torch, what the registry makes of that config:
- backbone ResNet-18 as the RetinaNet twin's (torch_common.py: norm_eval, frozen_stages 1);
- neck FPN (registry/necks/fpn.ts) from C3 (start_level 1): 1x1 laterals and 3x3 outputs at 256
  channels, P6 a stride-2 conv on P5's output (add_extra_convs on_output), P7 one on relu(P6)
  (relu_before_extra_convs);
- head FCOSHead (src/detection/heads/fcos_head.ts): two 4-conv towers, each conv with a bias and
  GN(32) then ReLU, weights N(0, 0.01); per location C logits (bias from prior 0.01), 4 distances
  relu(scale_l * x) in units of the level's stride (norm_on_bbox) and a centerness logit on the
  regression tower (centerness_on_reg), a learnable scale per level;
- targets (src/detection/assigners/fcos_targets.ts): points at (i + 0.5) * stride; a point is a
  candidate for a gt inside the box intersected with a square of half-side 1.5 * stride around its
  centre (center sampling) whose largest distance lies in the level's regress range (inclusive);
  the smallest-area candidate wins;
- losses: sigmoid focal loss (alpha 0.25, gamma 2) over every point / max(num_pos, 1); GIoU on the
  positives' boxes decoded from their points, weighted by the centerness target and divided by its
  sum; BCE on centerness / max(num_pos, 1).

Like the RetinaNet twin it is NCHW where detlab is NHWC (the outputs are permuted to detlab's
image, level, y, x order), and builds the targets with vectorised torch ops where detlab loops in
JavaScript, both inside every timed step (the JSON reports the twin's share as targetsMs).

Usage: python3 torch_fcos_step.py <batch> <size> <threads> <steps> <num_classes>; prints one JSON line.
"""
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import OneStage, conv, parse_args, run_steps, sigmoid_focal_loss, synthetic_batch

batch, size, steps, num_classes = parse_args()

STRIDES = (8, 16, 32, 64, 128)
REGRESS_RANGES = ((-1, 64), (64, 128), (128, 256), (256, 512), (512, 1e8))
CENTER_RADIUS = 1.5
PRIOR_PROB = 0.01


def tower(channels=256, stacked=4):
    layers = []
    for _ in range(stacked):
        layers += [conv(channels, channels, 3, bias=True), nn.GroupNorm(32, channels), nn.ReLU()]
    return nn.Sequential(*layers)


class FCOSHead(nn.Module):
    def __init__(self, num_classes, channels=256):
        super().__init__()
        self.num_classes = num_classes
        self.cls_convs = tower(channels)
        self.reg_convs = tower(channels)
        self.conv_cls = conv(channels, num_classes, 3, bias=True)
        self.conv_reg = conv(channels, 4, 3, bias=True)
        self.conv_centerness = conv(channels, 1, 3, bias=True)
        self.scales = nn.Parameter(torch.ones(len(STRIDES)))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
        nn.init.constant_(self.conv_cls.bias, -math.log((1 - PRIOR_PROB) / PRIOR_PROB))

    def forward(self, feats):
        flat = lambda t: t.permute(0, 2, 3, 1).reshape(t.shape[0], -1, t.shape[1])
        cls, reg, ctr = [], [], []
        for level, f in enumerate(feats):
            c, r = self.cls_convs(f), self.reg_convs(f)
            cls.append(flat(self.conv_cls(c)))
            reg.append(flat(F.relu(self.scales[level] * self.conv_reg(r))))
            ctr.append(flat(self.conv_centerness(r)))
        return torch.cat(cls, 1), torch.cat(reg, 1), torch.cat(ctr, 1)


def grid_points(feat_sizes):
    """[N, 2] points, each level's (x, y) row-major at (i + 0.5) * stride, with each point's stride and range."""
    points, strides, ranges = [], [], []
    for stride, (h, w), rng in zip(STRIDES, feat_sizes, REGRESS_RANGES):
        ys, xs = torch.meshgrid((torch.arange(h) + 0.5) * stride, (torch.arange(w) + 0.5) * stride, indexing="ij")
        points.append(torch.stack([xs.reshape(-1), ys.reshape(-1)], 1))
        strides.append(torch.full((h * w,), float(stride)))
        ranges.append(torch.tensor(rng).expand(h * w, 2))
    return torch.cat(points), torch.cat(strides), torch.cat(ranges)


def fcos_targets(points, strides, ranges, gts, labels):
    """Label per point (num_classes for background) and the (l, t, r, b) distances of its gt."""
    x, y = points[:, 0:1], points[:, 1:2]
    x1, y1, x2, y2 = (gts[:, k][None] for k in range(4))
    dist = torch.stack([x - x1, y - y1, x2 - x, y2 - y], -1)
    cx, cy, rad = (x1 + x2) / 2, (y1 + y2) / 2, strides[:, None] * CENTER_RADIUS
    inner = torch.stack([x - torch.maximum(cx - rad, x1), y - torch.maximum(cy - rad, y1),
                         torch.minimum(cx + rad, x2) - x, torch.minimum(cy + rad, y2) - y], -1)
    max_dist = dist.max(-1).values
    candidate = (inner.min(-1).values > 0) & (max_dist >= ranges[:, 0:1]) & (max_dist <= ranges[:, 1:2])
    area = ((x2 - x1) * (y2 - y1)).expand_as(candidate)
    area = torch.where(candidate, area, torch.full_like(area, math.inf))
    best_area, best = area.min(1)
    pos = best_area < math.inf
    point_labels = torch.where(pos, labels[best], torch.full_like(best, num_classes))
    return point_labels, dist[torch.arange(points.shape[0]), best]


def giou_loss(pred, target, weight):
    """sum of (1 − GIoU) · weight over boxes given as (x1, y1, x2, y2)."""
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt, rb = torch.maximum(pred[:, :2], target[:, :2]), torch.minimum(pred[:, 2:], target[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = area(pred) + area(target) - inter
    hull = (torch.maximum(pred[:, 2:], target[:, 2:]) - torch.minimum(pred[:, :2], target[:, :2])).prod(-1)
    giou = inter / union.clamp(min=1e-6) - (hull - union) / hull.clamp(min=1e-6)
    return ((1 - giou) * weight).sum()


model = OneStage("on_output", FCOSHead(num_classes)).train()
images, boxes, labels = synthetic_batch(batch, size)
points, point_strides, ranges = grid_points([(math.ceil(size / s), math.ceil(size / s)) for s in STRIDES])


def losses(net):
    cls, reg, ctr = net(images)
    t1 = time.perf_counter()
    with torch.no_grad():
        per_image = [fcos_targets(points, point_strides, ranges, g, lab) for g, lab in zip(boxes, labels)]
        point_labels = torch.cat([p for p, _ in per_image])
        pos = torch.nonzero(point_labels < num_classes).squeeze(1)
        onehot = torch.zeros(point_labels.shape[0], num_classes)
        onehot[pos, point_labels[pos]] = 1
        dist = torch.cat([d for _, d in per_image])[pos] / point_strides.repeat(batch)[pos, None]
        pos_points = points.repeat(batch, 1)[pos]
        l, t, r, b = dist.unbind(1)
        ctr_target = torch.sqrt((torch.minimum(l, r) / torch.maximum(l, r)) * (torch.minimum(t, b) / torch.maximum(t, b)))
        target_boxes = torch.cat([pos_points - dist[:, :2], pos_points + dist[:, 2:]], 1)
    targets_ms = (time.perf_counter() - t1) * 1000
    num_pos = max(pos.numel(), 1)
    pred = reg.reshape(-1, 4)[pos]
    pred_boxes = torch.cat([pos_points - pred[:, :2], pos_points + pred[:, 2:]], 1)
    return {
        "loss_cls": sigmoid_focal_loss(cls.reshape(-1, num_classes), onehot).sum() / num_pos,
        "loss_bbox": giou_loss(pred_boxes, target_boxes, ctr_target) / max(ctr_target.sum().item(), 1e-6),
        "loss_centerness": F.binary_cross_entropy_with_logits(ctr.reshape(-1)[pos], ctr_target, reduction="sum") / num_pos,
    }, targets_ms, pos.numel()


run_steps(model, steps, losses)
