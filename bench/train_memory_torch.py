# PyTorch CPU peer of bench/train-memory.ts: the same training step (forward, cross-entropy, backward,
# SGD momentum update), one case per process; prints one JSON line with the median step ms (after one
# warm-up step) and the peak RSS (ru_maxrss).
#   /usr/bin/python3 bench/train_memory_torch.py resnet50 --batch 8 --size 224 --threads 1 --steps 3
import argparse, json, resource, time
import torch, torchvision

p = argparse.ArgumentParser()
p.add_argument('model'); p.add_argument('--batch', type=int, default=8); p.add_argument('--size', type=int, default=224)
p.add_argument('--threads', type=int, default=1); p.add_argument('--steps', type=int, default=3)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = getattr(torchvision.models, a.model)(num_classes=10)
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(a.batch, 3, a.size, a.size)
y = torch.arange(a.batch) % 10
loss_fn = torch.nn.CrossEntropyLoss()
times = []
for s in range(a.steps + 1):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    if s > 0: times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({'model': a.model, 'batch': a.batch, 'size': a.size, 'backend': 'pytorch-cpu', 'threads': a.threads,
                  'medianMs': round(times[len(times) // 2]), 'stepMs': [round(t) for t in times],
                  'peakRssMB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), 'torch': torch.__version__}))
