"""PyTorch baseline for the grokscope benchmark (not part of the Rust build).

The paper's training loop as the authors write it in PyTorch (shared/REFERENCE.md:
Task and data, Model, Optimiser): p=97 modular addition, one-hot(a)||one-hot(b)
inputs, a seeded 40% train split, Linear(194,250)-ReLU-Linear(250,97,no bias),
AdamW(lr=0.03, betas=(0.9,0.98), eps=1e-8, wd=2.0), full batch, mean cross-entropy.
Each step: forward on the train set, backward, optimizer step, then test loss and
accuracy under no_grad; metrics are fetched with .item() every step.
Timed: the --steps steps that follow --warmup untimed steps (so W+N steps in all).
Prints one JSON line.
"""
import argparse, json, os, time
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=200, help="timed steps (after warmup)")
ap.add_argument("--threads", type=int, default=os.cpu_count())
ap.add_argument("--warmup", type=int, default=10, help="untimed steps first")
ap.add_argument("--seed", type=int, default=0, help="split and init seed")
args = ap.parse_args()
torch.set_num_threads(args.threads)

# Data: all p^2 pairs, label (a+b) mod p, input = one_hot(a) || one_hot(b).
p = 97
a, b = torch.cartesian_prod(torch.arange(p), torch.arange(p)).T
x = torch.cat([F.one_hot(a, p), F.one_hot(b, p)], dim=1).float()  # 9409 x 194
y = (a + b) % p
perm = torch.randperm(p * p, generator=torch.Generator().manual_seed(args.seed))
n_train = int(0.4 * p * p)  # 3763
tr, te = perm[:n_train], perm[n_train:]
x_tr, y_tr, x_te, y_te = x[tr], y[tr], x[te], y[te]

torch.manual_seed(args.seed)
model = nn.Sequential(nn.Linear(2 * p, 250), nn.ReLU(), nn.Linear(250, p, bias=False))
opt = torch.optim.AdamW(model.parameters(), lr=0.03, betas=(0.9, 0.98), eps=1e-8,
                        weight_decay=2.0)


def step():
    logits = model(x_tr)
    loss = F.cross_entropy(logits, y_tr)
    opt.zero_grad()
    loss.backward()
    opt.step()
    train_loss = loss.item()
    train_acc = (logits.argmax(1) == y_tr).float().mean().item()
    with torch.no_grad():
        out = model(x_te)
        test_loss = F.cross_entropy(out, y_te).item()
        test_acc = (out.argmax(1) == y_te).float().mean().item()
    return train_loss, train_acc, test_loss, test_acc


for _ in range(args.warmup):
    m = step()
t0 = time.perf_counter()
for _ in range(args.steps):
    m = step()
secs = time.perf_counter() - t0

print(json.dumps({
    "torch_version": torch.__version__, "threads": torch.get_num_threads(),
    "steps": args.steps, "warmup": args.warmup, "seconds": round(secs, 4),
    "steps_per_s": round(args.steps / secs, 2),
    "final_train_acc": m[1], "final_test_acc": m[3],
}))
