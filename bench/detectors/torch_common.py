"""What the PyTorch eager twins of bench/detectors/child.ts share: detlab's ResNet-18 backbone as the
base configs build it (norm_eval, frozen_stages 1), the FPN and the one-stage wrapper, mmdet's sigmoid focal loss, the child's synthetic
batch, and the timed step loop that prints the JSON line bench/detectors.bench.ts reads.

Usage of a twin: python3 <twin>.py <batch> <size> <threads> <steps> <num_classes>.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ALPHA, GAMMA = 0.25, 2.0


def parse_args():
    """batch, size, threads, steps, num_classes from argv; sets torch's threads and seed."""
    batch, size, threads, steps, num_classes = (int(v) for v in sys.argv[1:6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    return batch, size, steps, num_classes


def conv(cin, cout, k, stride=1, bias=False):
    return nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, bias=bias)


class BasicBlock(nn.Module):
    """ResNet's basic block; `norm(channels)` makes its norm layers (BatchNorm2d, or GroupNorm for the demo detector)."""

    def __init__(self, cin, planes, stride, norm=nn.BatchNorm2d):
        super().__init__()
        self.conv1 = conv(cin, planes, 3, stride)
        self.bn1 = norm(planes)
        self.conv2 = conv(planes, planes, 3)
        self.bn2 = norm(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(conv(cin, planes, 1, stride), norm(planes))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    """torchvision's resnet18 without fc, returning C2..C5; BN on running statistics (norm_eval)."""

    def __init__(self):
        super().__init__()
        self.conv1 = conv(3, 64, 7, 2)
        self.bn1 = nn.BatchNorm2d(64)
        layers, cin = [], 64
        for s, planes in enumerate((64, 128, 256, 512)):
            layers.append(nn.Sequential(BasicBlock(cin, planes, 2 if s > 0 else 1), BasicBlock(planes, planes, 1)))
            cin = planes
        self.layers = nn.ModuleList(layers)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        for p in [*self.conv1.parameters(), *self.bn1.parameters(), *self.layers[0].parameters()]:
            p.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        return self

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        outs = []
        for layer in self.layers:
            x = layer(x)
            outs.append(x)
        return outs


class FPN(nn.Module):
    """mmdet's FPN on C3..C5 at 256 channels with two extra stride-2 levels: P6 from C5 (`on_input`, RetinaNet)
    or from P5's output (`on_output`, FCOS, with a ReLU before P7's conv as relu_before_extra_convs)."""

    def __init__(self, extra, in_channels=(128, 256, 512), out=256):
        super().__init__()
        self.extra = extra
        self.lateral_convs = nn.ModuleList(conv(c, out, 1, bias=True) for c in in_channels)
        self.fpn_convs = nn.ModuleList(conv(out, out, 3, bias=True) for _ in in_channels)
        self.fpn_convs.append(conv(in_channels[-1] if extra == "on_input" else out, out, 3, 2, bias=True))
        self.fpn_convs.append(conv(out, out, 3, 2, bias=True))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, c3, c4, c5):
        laterals = [lat(c) for lat, c in zip(self.lateral_convs, (c3, c4, c5))]
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], size=laterals[i - 1].shape[2:], mode="nearest")
        outs = [fpn(lat) for fpn, lat in zip(self.fpn_convs, laterals)]
        if self.extra == "on_input":
            outs.append(self.fpn_convs[3](c5))
            outs.append(self.fpn_convs[4](outs[-1]))
        else:
            outs.append(self.fpn_convs[3](outs[-1]))
            outs.append(self.fpn_convs[4](F.relu(outs[-1])))
        return outs


class OneStage(nn.Module):
    """ResNet-18, FPN, head: the base configs' one-stage detector."""

    def __init__(self, extra, head):
        super().__init__()
        self.backbone = ResNet18()
        self.neck = FPN(extra)
        self.head = head

    def forward(self, images):
        _, c3, c4, c5 = self.backbone(images)
        return self.head(self.neck(c3, c4, c5))


def sigmoid_focal_loss(logits, t):
    """mmdet's py_sigmoid_focal_loss (the focal factor not detached), elementwise."""
    p = torch.sigmoid(logits)
    pt = (1 - p) * t + p * (1 - t)
    alpha_t = ALPHA * t + (1 - ALPHA) * (1 - t)
    return F.binary_cross_entropy_with_logits(logits, t, reduction="none") * alpha_t * pt.pow(GAMMA)


def synthetic_batch(batch, size):
    """The child's three boxes per image (small to large) and labels 0, 1 + i, 2."""
    boxes = [torch.tensor([[10, 10, 40, 40], [60 + i * 8, 50, 160, 170], [20, 120, size - 10, size - 12]], dtype=torch.float32) for i in range(batch)]
    labels = [torch.tensor([0, 1 + i, 2]) for i in range(batch)]
    return torch.randn(batch, 3, size, size), boxes, labels


def run_steps(model, steps, losses):
    """Times `steps` SGD steps (momentum 0.9, lr 0.01, as the child's detlab SGD) of `losses(model)`, which
    returns (terms, targets_ms, num_pos) with terms a dict of scalar tensors summed into the loss; prints the JSON line."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(trainable, lr=0.01, momentum=0.9)
    step_ms, targets_ms, first_losses = [], [], None
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        terms, t_ms, num_pos = losses(model)
        loss = sum(terms.values())
        loss.backward()
        opt.step()
        step_ms.append((time.perf_counter() - t0) * 1000)
        targets_ms.append(t_ms)
        first_losses = first_losses or {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}, "num_pos": num_pos}
    print(json.dumps({
        "stepMs": step_ms,
        "targetsMs": targets_ms,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()),
        "trainableParams": sum(p.numel() for p in trainable),
        "firstLosses": first_losses,
    }))
