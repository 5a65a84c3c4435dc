#!/usr/bin/env python3
# Writes the PyTorch checkpoint fixtures of test/fixtures/pth/ with real torch.save (Debian's
# python3-torch 1.13 / python3-torchvision 0.14, CPU; no network: random seeded weights) and the
# outputs torchvision computes for them, so the tests compare without Python.
#   apt-get install -y python3-torch python3-torchvision && /usr/bin/python3 scripts/make-pth-fixtures.py
# Expected values go into small safetensors files (written here by hand: the format is a JSON header).
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pth')
os.makedirs(OUT, exist_ok=True)


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t)
        dt = {np.float32: 'F32', np.uint8: 'U8'}[a.dtype.type]
        b = a.tobytes()
        header[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def randomize_bn(model, g):
    # Default BN statistics (0 / 1) would leave the folding of running stats untested.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


class Tiny(nn.Module):
    """The custom net of the tests (test/io/pth.test.ts builds the same in convnets)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


@torch.no_grad()
def model_fixture(name, model, size, half, legacy=False):
    g = torch.Generator().manual_seed(7)
    randomize_bn(model, g)
    model.eval()
    if half:
        model.half()
    path = os.path.join(OUT, f'{name}.pth')
    torch.save(model.state_dict(), path, **({'_use_new_zipfile_serialization': False} if legacy else {}))
    # torchvision's output in float32 on the stored (possibly float16-rounded) weights: float16 -> float32 is
    # exact, so the comparison keeps a float32 tolerance.
    model.float()
    x = torch.rand(2, 3, size, size, generator=g) * 2 - 1
    save_safetensors(os.path.join(OUT, f'{name}.expected.safetensors'), {'input': x, 'output': model(x)})
    print(f'{path}: {os.path.getsize(path)} bytes')


@torch.no_grad()
def views_fixture():
    g = torch.Generator().manual_seed(11)
    base = torch.randn(6, 10, generator=g)
    sd = {
        'transposed': base.t(),                 # stride (1, 10)
        'strided': base[1:, ::3],               # offset 10, stride (10, 3)
        'contiguous': base,                     # the storage the views share
        'half': torch.randn(3, 4, generator=g).half()[:, 1:],
        'bfloat': torch.randn(5, generator=g).bfloat16(),
        'long': torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4),
        'int32': torch.arange(0, 6, dtype=torch.int32),
    }
    torch.save(sd, os.path.join(OUT, 'views.pth'))
    save_safetensors(os.path.join(OUT, 'views.expected.safetensors'), {k: v.float().contiguous() for k, v in sd.items()})


class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned-by-pickle',))


def evil_fixture():
    # A real torch.save whose pickle carries a __reduce__ payload (posix.system), next to a tensor.
    torch.save({'w': torch.zeros(2), 'x': Evil()}, os.path.join(OUT, 'evil-reduce.pth'))


def image_fixture():
    # A noisy RGB scene: antialiasing differences show on high frequencies.
    rng = np.random.default_rng(5)
    h, w = 97, 131
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 255 / w, yy * 255 / h, 128 + 100 * np.sin(xx / 3.0) * np.cos(yy / 5.0)], -1)
    img = np.clip(img + rng.normal(0, 25, img.shape), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(os.path.join(OUT, 'scene.png'))
    pil = Image.open(os.path.join(OUT, 'scene.png')).convert('RGB')
    ref = {}
    cases = [('bilinear', 48, 40), ('bilinear', 24, 20), ('bicubic', 56, 48), ('bicubic', 160, 150)]
    for interp, resize, crop in cases:
        mode = InterpolationMode(interp)
        k = f'{interp}_{resize}_{crop}'
        p = F.center_crop(F.resize(pil, resize, interpolation=mode), crop)
        ref[f'pil_{k}'] = np.asarray(p, dtype=np.uint8)
        t = torch.from_numpy(np.asarray(pil).copy()).permute(2, 0, 1)
        tt = F.center_crop(F.resize(t, resize, interpolation=mode, antialias=True), crop)
        ref[f'tensor_{k}'] = tt.permute(1, 2, 0).contiguous().numpy()
    # The whole eval transform of a published weight (resize 232 shorter side scaled down here: 58 / 56).
    tf = torchvision.transforms._presets.ImageClassification(crop_size=56, resize_size=58)
    ref['transform_bilinear_58_56'] = tf(pil).permute(1, 2, 0).contiguous().numpy()
    save_safetensors(os.path.join(OUT, 'scene.expected.safetensors'), ref)


def main():
    torch.manual_seed(0)
    model_fixture('tiny', Tiny(), 16, half=False)
    torch.manual_seed(0)
    model_fixture('tiny_f16', Tiny(), 16, half=True)
    torch.manual_seed(0)
    model_fixture('tiny_legacy', Tiny(), 16, half=False, legacy=True)
    torch.manual_seed(1)
    model_fixture('squeezenet1_1_f16', torchvision.models.squeezenet1_1(), 64, half=True)
    torch.manual_seed(2)
    # Width 0.5 and 10 classes keep it at 0.8 MB (the full one is 5 MB in float16); same blocks (SE, hardswish).
    model_fixture('mobilenet_v3_small_w05_c10_f16', torchvision.models.mobilenet_v3_small(num_classes=10, width_mult=0.5), 64, half=True)
    views_fixture()
    evil_fixture()
    image_fixture()
    print('torch', torch.__version__, 'torchvision', torchvision.__version__, file=sys.stderr)


if __name__ == '__main__':
    main()
