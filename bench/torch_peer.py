# PyTorch CPU peer of the convnets benchmarks, run as a subprocess by bench/torch.ts (one case per
# process: peak RSS is per process). Prints ONE JSON line on stdout; logs go to stderr.
#   info                                      torch / torchvision versions, the BLAS torch loaded
#   infer <model> [--batch 1] [--size 224]    eval forward; --weights/--names/--input/--expect: load
#                                             OUR weights by name and compare the output with ours
#   train <model> [--batch 8] [--size 224]    one SGD step (forward, cross-entropy, backward, momentum)
#   defaultjob [--steps 40] [--data data]     the digits ResNet of `convnets train`, batch 64, AdamW
#                                             one-cycle, random-crop augmentation, on data/digits-*.gz
# Common: --threads T (torch.set_num_threads; the parent also sets OMP/MKL/OPENBLAS_NUM_THREADS),
# --warmup W, --min-samples N, --max-time S (sampling stops once N samples and S seconds are in),
# --channels-last (NHWC memory format; default NCHW, what Debian's torch 1.13 runs fastest here).
# Exit codes: 0 done, 2 torch missing ({"notInstalled": ...}), 3 the case failed ({"error": ...}).
import argparse, gzip, json, os, resource, struct, sys, time

INSTALL = 'apt-get install -y python3-torch python3-torchvision libopenblas0-pthread'


def emit(obj, code=0):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()
    sys.exit(code)


try:
    import torch
    import torchvision
except ImportError as e:  # the "not installed" row of the bench
    emit({'notInstalled': f'{e} ({sys.executable}; Debian: {INSTALL})'}, 2)


def blas_info():
    """The BLAS library torch loaded (from /proc/self/maps, after a matmul) and a warning when it is the
    reference BLAS: Debian's torch without libopenblas0-pthread runs about 6x slower."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ''
                base = os.path.basename(path)
                if 'blas' in base or 'mkl' in base:
                    libs.add(path)
    except OSError:
        pass
    libs = sorted(libs)
    fast = [p for p in libs if 'openblas' in p or 'mkl' in p]
    warning = None
    if not fast:
        warning = ('torch runs the reference BLAS (' + (', '.join(libs) or 'no optimised BLAS found') +
                   f'): about 6x slower than with OpenBLAS; {INSTALL.replace("python3-torch python3-torchvision ", "")}')
    return {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'blas': fast[0] if fast else (libs[0] if libs else None),
            'warning': warning, 'threads': torch.get_num_threads()}


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def sample(fn, a):
    """Warm-up calls, then timed calls until min_samples and max_time are both reached (as bench/timing.ts)."""
    for _ in range(a.warmup):
        fn()
    wall, cpu = [], []
    start = time.perf_counter()
    while len(wall) < a.min_samples or (time.perf_counter() - start < a.max_time and len(wall) < 1000):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    cpu.sort()
    return {'samplesMs': wall, 'cpuMedianMs': cpu[len(cpu) // 2]}


def vision_model(name, num_classes):
    if not hasattr(torchvision.models, name):
        raise ValueError(f'torchvision has no model {name!r}')
    return getattr(torchvision.models, name)(num_classes=num_classes)


def params_of(model):
    return sum(p.numel() for p in model.parameters())


def load_ours(model, names_file, weights_file):
    """Our parameters and BN buffers by name (the same names as torchvision's state_dict), in our layout:
    conv filters OHWI -> OIHW, everything else as is. Every one of our names must exist with the same
    element count, and every float tensor of torch's state_dict must be covered."""
    with open(names_file) as f:
        entries = json.load(f)
    data = read_f32(weights_file)
    sd = model.state_dict()
    seen = set()
    off = 0
    for e in entries:
        name, shape = e['name'], e['shape']
        n = 1
        for d in shape:
            n *= d
        t = data[off:off + n].reshape(shape)
        off += n
        if name not in sd:
            raise ValueError(f'our tensor {name} {shape} has no counterpart in torchvision\'s state_dict')
        if len(shape) == 4:
            t = t.permute(0, 3, 1, 2)
        if tuple(t.shape) != tuple(sd[name].shape):
            raise ValueError(f'{name}: ours {list(t.shape)} (as OIHW), torch {list(sd[name].shape)}')
        sd[name].copy_(t)  # state_dict tensors share the model's storage: no second copy of the weights
        seen.add(name)
    if off != data.numel():
        raise ValueError(f'{weights_file}: {data.numel()} floats, the names list {off}')
    missing = [k for k, v in sd.items() if k not in seen and v.is_floating_point()]
    if missing:
        raise ValueError(f'torch tensors we did not give: {missing[:5]}')


def read_f32(path):
    return torch.from_file(path, shared=False, size=os.path.getsize(path) // 4, dtype=torch.float32)


def memory_format(a):
    return torch.channels_last if a.channels_last else torch.contiguous_format


def cmd_infer(a):
    torch.manual_seed(0)
    model = vision_model(a.model, a.classes)
    out = {}
    if a.weights:
        load_ours(model, a.names, a.weights)
    model.eval()
    fmt = memory_format(a)
    model = model.to(memory_format=fmt)
    if a.input:  # our NHWC input -> NCHW
        x = read_f32(a.input).reshape(a.batch, a.size, a.size, 3).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
    else:
        x = torch.randn(a.batch, 3, a.size, a.size).contiguous(memory_format=fmt)
    with torch.no_grad():
        y = model(x)
        if a.expect:
            ref = read_f32(a.expect)
            y = y.reshape(-1)
            if y.numel() != ref.numel():
                raise ValueError(f'output has {y.numel()} values, ours {ref.numel()}')
            out['maxRelDiff'] = float((y - ref).abs().max() / ref.abs().max().clamp_min(1e-30))
            if not out['maxRelDiff'] < 1e-3:
                emit({**out, 'error': f'output differs from ours (max rel diff {out["maxRelDiff"]:.2e}): not timed'}, 3)
        out.update(sample(lambda: model(x), a))
    return {**out, 'params': params_of(model)}


def cmd_train(a):
    torch.manual_seed(0)
    fmt = memory_format(a)
    model = vision_model(a.model, a.classes).to(memory_format=fmt)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, 3, a.size, a.size).contiguous(memory_format=fmt)
    y = torch.arange(a.batch) % a.classes
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if not torch.isfinite(loss):
            raise ValueError(f'loss is {loss.item()}')
    return {**sample(step, a), 'params': params_of(model)}


DIGITS_PARAMS = 77754  # resnet_digits of src/architectures/digits.ts


def digits_resnet(num_classes=10, in_ch=1, widths=(16, 32, 64)):
    """The default model of `convnets train`: 3x3 stride-1 stem, one torchvision BasicBlock per stage
    (16/32/64, stride 2 from the second), global average pool, linear. Same names as ours."""
    from torchvision.models.resnet import BasicBlock
    nn = torch.nn
    layers = [('conv1', nn.Conv2d(in_ch, widths[0], 3, padding=1, bias=False)), ('bn1', nn.BatchNorm2d(widths[0])), ('relu', nn.ReLU(inplace=True))]
    c = widths[0]
    for i, w in enumerate(widths):
        stride = 2 if i > 0 else 1
        down = None
        if stride != 1 or c != w:
            down = nn.Sequential(nn.Conv2d(c, w, 1, stride=stride, bias=False), nn.BatchNorm2d(w))
        layers.append((f'layer{i + 1}', nn.Sequential(BasicBlock(c, w, stride, down))))
        c = w
    layers += [('avgpool', nn.AdaptiveAvgPool2d(1)), ('flatten', nn.Flatten()), ('fc', nn.Linear(c, num_classes))]
    from collections import OrderedDict
    return nn.Sequential(OrderedDict(layers))


def read_idx(path):
    with gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb') as f:
        raw = f.read()
    magic = struct.unpack('>I', raw[:4])[0]
    nd = magic & 0xff
    dims = struct.unpack('>' + 'I' * nd, raw[4:4 + 4 * nd])
    return torch.frombuffer(bytearray(raw[4 + 4 * nd:]), dtype=torch.uint8).reshape(dims)


def cmd_defaultjob(a):
    torch.manual_seed(a.seed)
    images = read_idx(os.path.join(a.data, 'digits-images-idx3-ubyte.gz'))  # [N, 28, 28]
    labels = read_idx(os.path.join(a.data, 'digits-labels-idx1-ubyte.gz')).long()
    n = images.shape[0]
    perm = torch.randperm(n)
    train = perm[:n * 4 // 5]  # 8,000 of 10,000 as `convnets train` (another permutation: throughput only)
    xs = images[train].unsqueeze(1)
    ys = labels[train]
    mean = xs.float().mean().item() / 255
    std = xs.float().std().item() / 255
    model = digits_resnet()
    params = params_of(model)
    if params != DIGITS_PARAMS:
        raise ValueError(f'the PyTorch digits ResNet has {params} parameters, ours {DIGITS_PARAMS}')
    model = model.to(memory_format=memory_format(a))
    model.train()
    decay = [p for p in model.parameters() if p.ndim > 1]  # ours: no decay on BN and biases
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no_decay, 'weight_decay': 0.0}], lr=a.lr)
    steps_per_epoch = xs.shape[0] // a.batch
    # torch's OneCycleLR as ours: cosine, two phases, no momentum cycling (ours keeps beta1 fixed).
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps_per_epoch * a.epochs, cycle_momentum=False)
    loss_fn = torch.nn.CrossEntropyLoss()
    pad = 2
    padded = torch.zeros(xs.shape[0], 1, 28 + 2 * pad, 28 + 2 * pad, dtype=torch.uint8)
    padded[:, :, pad:pad + 28, pad:pad + 28] = xs  # black padding before normalisation, as ours
    order = torch.randperm(xs.shape[0])
    batch_buf = torch.empty(a.batch, 1, 28, 28, dtype=torch.uint8)
    stamps, cpu = [], []
    losses = []
    for s in range(a.steps):
        c0 = time.process_time()
        i = (s % steps_per_epoch) * a.batch
        idx = order[i:i + a.batch]
        offs = torch.randint(0, 2 * pad + 1, (a.batch, 2))
        for k in range(a.batch):  # random crop per sample
            oy, ox = int(offs[k, 0]), int(offs[k, 1])
            batch_buf[k] = padded[idx[k], :, oy:oy + 28, ox:ox + 28]
        x = ((batch_buf.float() / 255 - mean) / std).contiguous(memory_format=memory_format(a))
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), ys[idx])
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        stamps.append(time.perf_counter())
        cpu.append((time.process_time() - c0) * 1000)
    w = min(a.warmup, a.steps - 2)
    timed = a.steps - 1 - w
    secs = stamps[-1] - stamps[w]
    step_ms = [(stamps[i] - stamps[i - 1]) * 1000 for i in range(w + 1, a.steps)]
    cpu_timed = sorted(cpu[w + 1:])
    return {'params': params, 'steps': a.steps, 'timedSteps': timed, 'batch': a.batch,
            'imagesPerSecond': timed * a.batch / secs, 'samplesMs': step_ms, 'cpuMedianMs': cpu_timed[len(cpu_timed) // 2], 'firstLoss': losses[0], 'lastLoss': losses[-1]}


def main():
    p = argparse.ArgumentParser(description='PyTorch CPU peer of the convnets benchmarks')
    p.add_argument('cmd', choices=['info', 'infer', 'train', 'defaultjob'])
    p.add_argument('model', nargs='?')
    p.add_argument('--batch', type=int)
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--classes', type=int, default=None)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--min-samples', type=int, default=5)
    p.add_argument('--max-time', type=float, default=2.0)
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--weights'); p.add_argument('--names'); p.add_argument('--input'); p.add_argument('--expect')
    p.add_argument('--steps', type=int, default=40)
    p.add_argument('--epochs', type=int, default=15)
    p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data'))
    a = p.parse_args()
    if a.threads < 1:
        emit({'error': f'--threads must be >= 1, got {a.threads}'}, 3)
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    info = blas_info()
    try:
        if a.cmd == 'info':
            res = {}
        elif a.cmd == 'defaultjob':
            if a.batch is None:
                a.batch = 64
            if a.steps < 3:
                raise ValueError('--steps must be >= 3 (warm-up plus two timed steps)')
            res = cmd_defaultjob(a)
        else:
            if not a.model:
                raise ValueError(f'{a.cmd}: give the model (mobilenet_v2, resnet50, ...)')
            if a.batch is None:
                a.batch = 1 if a.cmd == 'infer' else 8
            if a.classes is None:
                a.classes = 1000 if a.cmd == 'infer' else 10
            res = cmd_infer(a) if a.cmd == 'infer' else cmd_train(a)
    except Exception as e:  # a case that fails is a row with its reason, not a traceback
        emit({**info, 'error': f'{type(e).__name__}: {e}', 'peakRssMB': peak_rss_mb()}, 3)
    emit({'cmd': a.cmd, 'model': a.model, 'batch': a.batch, **info, **res, 'peakRssMB': peak_rss_mb()})


if __name__ == '__main__':
    main()
