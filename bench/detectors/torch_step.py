"""RetinaNet-R18-FPN's training step in PyTorch eager (CPU): the twin of bench/detectors/child.ts.

It rebuilds, in plain torch, the detector that configs/_base_/models/retinanet_r18_fpn.yaml makes
through the registry with the child's num_classes 6:
- backbone ResNet-18 (registry/backbones/resnet.ts): norm_eval, so every BN normalises with its
  running statistics while its affine trains; frozen_stages 1, so the stem and layer1 train nothing;
- neck FPN (registry/necks/fpn.ts): C3..C5 laterals (1x1) and outputs (3x3) at 256 channels, P6 a
  stride-2 conv on C5 (add_extra_convs on_input), P7 one on P6 without a ReLU before it;
- head RetinaHead (src/detection/heads/retina_head.ts): two 4-conv towers with biases, no norm;
  9 anchors per location; MaxIoU assignment 0.5/0.4 with low-quality matches; sigmoid focal loss
  (alpha 0.25, gamma 2) over non-ignored anchors and L1 on the positives' deltas, each summed and
  divided by sum over images of max(num_pos, 1);
- SGD with momentum 0.9 at lr 0.01 on the trainable parameters, as the child's (detlab's SGD, bench/sgd.ts).

Differences kept on purpose: tensors are NCHW here, NHWC in detlab (the output order after the
permute is detlab's: image, level, y, x, anchor). detlab builds the targets (IoU matrix, MaxIoU
assignment, deltas) in scalar JS loops on the CPU, this twin with vectorised torch ops (Tensor.max
returns the first of tied maxima, as detlab's loop keeps the first gt); both do it inside every
timed step, and the JSON reports the twin's share as targetsMs. For the child's boxes both give the
same 12,276 anchors, 86 + 88 positives and 240 ignored anchors. detlab's norm_eval BN is a
multiply-add on running statistics, torch's eval BatchNorm2d one fused op.

Usage: python3 torch_step.py <batch> <size> <threads> <steps> <num_classes>; prints one JSON line.
"""
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import OneStage, conv, parse_args, run_steps, sigmoid_focal_loss, synthetic_batch

batch, size, steps, num_classes = parse_args()

STRIDES = (8, 16, 32, 64, 128)
RATIOS = (0.5, 1.0, 2.0)
SCALES = tuple(4 * 2 ** (i / 3) for i in range(3))
NUM_ANCHORS = len(RATIOS) * len(SCALES)
POS_IOU, NEG_IOU, MIN_POS_IOU = 0.5, 0.4, 0.0


class RetinaHead(nn.Module):
    def __init__(self, num_classes, channels=256, stacked_convs=4, prior_prob=0.01):
        super().__init__()
        self.num_classes = num_classes
        self.cls_convs = nn.ModuleList(conv(channels, channels, 3, bias=True) for _ in range(stacked_convs))
        self.reg_convs = nn.ModuleList(conv(channels, channels, 3, bias=True) for _ in range(stacked_convs))
        self.retina_cls = conv(channels, NUM_ANCHORS * num_classes, 3, bias=True)
        self.retina_reg = conv(channels, NUM_ANCHORS * 4, 3, bias=True)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
        nn.init.constant_(self.retina_cls.bias, -math.log((1 - prior_prob) / prior_prob))

    def forward(self, feats):
        cls, reg = [], []
        for f in feats:
            c, r = f, f
            for m in self.cls_convs:
                c = F.relu(m(c))
            for m in self.reg_convs:
                r = F.relu(m(r))
            # [B, A*k, H, W] -> [B, H*W*A, k], detlab's anchor order.
            cls.append(self.retina_cls(c).permute(0, 2, 3, 1).reshape(f.shape[0], -1, self.num_classes))
            reg.append(self.retina_reg(r).permute(0, 2, 3, 1).reshape(f.shape[0], -1, 4))
        return torch.cat(cls, 1), torch.cat(reg, 1)


def grid_anchors(feat_sizes):
    """mmdet's AnchorGenerator (ratio-major base anchors centred at 0), location-major over the grid."""
    levels = []
    for stride, (h, w) in zip(STRIDES, feat_sizes):
        base = []
        for r in RATIOS:
            h_ratio = math.sqrt(r)
            for s in SCALES:
                bw, bh = stride * s / h_ratio, stride * s * h_ratio
                base.append([-0.5 * bw, -0.5 * bh, 0.5 * bw, 0.5 * bh])
        ys, xs = torch.meshgrid(torch.arange(h) * stride, torch.arange(w) * stride, indexing="ij")
        shifts = torch.stack([xs, ys, xs, ys], -1).reshape(-1, 1, 4).float()
        levels.append((shifts + torch.tensor(base)).reshape(-1, 4))
    return torch.cat(levels)


def box_iou(a, b):
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    return inter / (area(a)[:, None] + area(b)[None, :] - inter).clamp(min=1e-6)


def assign_max_iou(anchors, gts):
    """gt index + 1 per anchor, 0 for negatives, -1 for ignored (between the two thresholds)."""
    ov = box_iou(gts, anchors)
    best, arg = ov.max(0)
    inds = torch.full((anchors.shape[0],), -1, dtype=torch.long)
    inds[best < NEG_IOU] = 0
    inds[best >= POS_IOU] = arg[best >= POS_IOU] + 1
    gt_max = ov.max(1).values
    for g in range(gts.shape[0]):
        if gt_max[g] >= MIN_POS_IOU:
            inds[ov[g] == gt_max[g]] = g + 1
    return inds


def encode(anchors, gts):
    pw, ph = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    px, py = anchors[:, 0] + 0.5 * pw, anchors[:, 1] + 0.5 * ph
    gw, gh = gts[:, 2] - gts[:, 0], gts[:, 3] - gts[:, 1]
    gx, gy = gts[:, 0] + 0.5 * gw, gts[:, 1] + 0.5 * gh
    return torch.stack([(gx - px) / pw, (gy - py) / ph, torch.log(gw / pw), torch.log(gh / ph)], 1)


def targets(anchors, boxes, labels):
    """One-hot class targets and label weights for every anchor of every image, and the positives' deltas."""
    onehot, weights, pos_rows, deltas, avg_factor = [], [], [], [], 0
    n = anchors.shape[0]
    for b, (gts, lab) in enumerate(zip(boxes, labels)):
        inds = assign_max_iou(anchors, gts)
        pos = torch.nonzero(inds > 0).squeeze(1)
        t = torch.zeros(n, num_classes)
        t[pos, lab[inds[pos] - 1]] = 1
        onehot.append(t)
        weights.append((inds != -1).float())
        pos_rows.append(pos + b * n)
        deltas.append(encode(anchors[pos], gts[inds[pos] - 1]))
        avg_factor += max(pos.numel(), 1)
    return torch.cat(onehot), torch.cat(weights)[:, None], torch.cat(pos_rows), torch.cat(deltas), avg_factor


model = OneStage("on_input", RetinaHead(num_classes)).train()
images, boxes, labels = synthetic_batch(batch, size)
feat_sizes = [(math.ceil(size / s), math.ceil(size / s)) for s in STRIDES]
anchors = grid_anchors(feat_sizes)


def losses(net):
    cls, reg = net(images)
    t1 = time.perf_counter()
    with torch.no_grad():
        onehot, weights, pos_rows, deltas, avg_factor = targets(anchors, boxes, labels)
    targets_ms = (time.perf_counter() - t1) * 1000
    loss_cls = (sigmoid_focal_loss(cls.reshape(-1, num_classes), onehot) * weights).sum() / avg_factor
    loss_bbox = (reg.reshape(-1, 4)[pos_rows] - deltas).abs().sum() / avg_factor
    return {"loss_cls": loss_cls, "loss_bbox": loss_bbox}, targets_ms, pos_rows.numel()


run_steps(model, steps, losses)
