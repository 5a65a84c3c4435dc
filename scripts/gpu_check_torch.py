#!/usr/bin/env python3
"""PyTorch + cuDNN side of scripts/gpu-check.sh: the same models, batches and steps as
scripts/gpu-check.mjs bench (fp32, TF32 off, channels_last as our NHWC), images/s as JSON,
rewritten after every case; no new case starts after the deadline (argv[4] seconds, default 110),
so the step's timeout loses nothing already measured."""
import json, sys, time
t_start = time.perf_counter()
deadline = float(sys.argv[4]) if len(sys.argv) > 4 else 110.0
import torch, torchvision

torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")
models = (sys.argv[1] if len(sys.argv) > 1 else "resnet50,mobilenet_v2").split(",")
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 20
out = []

def record(row):
    out.append(row)
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            json.dump(out, f, indent=2)

def late():
    if time.perf_counter() - t_start > deadline:
        print(f"pytorch: deadline of {deadline:.0f} s reached, skipping the remaining cases", flush=True)
        return True
    return False

def timed(fn, n):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / n

for name in models:
    m = getattr(torchvision.models, name)(num_classes=1000).to(dev).to(memory_format=torch.channels_last)
    for batch in (1, 64):
        if late():
            break
        x = torch.randn(batch, 3, 224, 224, device=dev).to(memory_format=torch.channels_last)
        m.eval()
        with torch.no_grad():
            s = timed(lambda: m(x), iters * 2 if batch == 1 else iters)
        record(dict(model=name, mode="inference", batch=batch, ms=s * 1e3, imgPerSec=batch / s))
        print(f"pytorch {name} inference b{batch}: {s*1e3:.2f} ms, {batch/s:.1f} img/s", flush=True)
    if late():
        break
    batch = 64
    x = torch.randn(batch, 3, 224, 224, device=dev).to(memory_format=torch.channels_last)
    y = torch.arange(batch, device=dev) * 37 % 1000
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    lossf = torch.nn.CrossEntropyLoss()
    m.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = lossf(m(x), y)
        loss.backward()
        opt.step()
        loss.item()

    s = timed(step, max(5, iters // 2))
    record(dict(model=name, mode="train", batch=batch, ms=s * 1e3, imgPerSec=batch / s))
    print(f"pytorch {name} train b{batch}: {s*1e3:.1f} ms/step, {batch/s:.1f} img/s", flush=True)
