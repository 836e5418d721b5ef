#!/usr/bin/python3
"""optim_fixture.py — PyTorch reference for the optimisers in train/optim.c.

Three updates of torch.optim (1.13, Debian's python3-torch) on two fixed f32
parameters p0 [3, 4] and p1 [5] with fixed gradients per step, for:
  sgd_momentum  SGD lr 0.1, momentum 0.9, weight decay 0.01
  sgd_plain     SGD lr 0.05
  adam          Adam lr 0.01, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 (L2)
  adamw_groups  AdamW betas (0.8, 0.99) (HiFi-GAN's), eps 1e-8; group 0 = p0
                with lr 0.01, weight decay 0.01; group 1 = p1 with lr 0.002,
                weight decay 0
  adamw_clip_exp AdamW lr 0.05, betas (0.9, 0.99), weight decay 0.1, with
                clip_grad_norm_(max_norm 0.5) before each update and
                ExponentialLR(gamma 0.5) stepped after each update
Writes tests/data/train/optim.safetensors: init.p0/p1, grad.s{1,2,3}.p0/p1,
CASE.s{1,2,3}.p0/p1 (parameters after each update) and adamw_clip_exp.norms [3]
(norms returned by clip_grad_norm_). Run from the repository root:

    /usr/bin/python3 tests/ref/optim_fixture.py
"""
import torch
from safetensors.torch import save_file

torch.manual_seed(7)
init = {"p0": torch.randn(3, 4), "p1": torch.randn(5)}
grads = [{"p0": torch.randn(3, 4), "p1": torch.randn(5)} for _ in range(3)]
out = {"init." + k: v.clone() for k, v in init.items()}
for s, g in enumerate(grads, 1):
    for k, v in g.items():
        out["grad.s%d.%s" % (s, k)] = v.clone()


def run(name, make_opt, clip=None, sched=None):
    ps = {k: torch.nn.Parameter(v.clone()) for k, v in init.items()}
    opt = make_opt(ps)
    lr_sched = sched(opt) if sched else None
    norms = []
    for s, g in enumerate(grads, 1):
        opt.zero_grad()
        for k in ps:
            ps[k].grad = g[k].clone()
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(list(ps.values()), clip)))
        opt.step()
        if lr_sched:
            lr_sched.step()
        for k in ps:
            out["%s.s%d.%s" % (name, s, k)] = ps[k].detach().clone()
    if norms:
        out[name + ".norms"] = torch.tensor(norms, dtype=torch.float32)


run("sgd_momentum", lambda ps: torch.optim.SGD(ps.values(), lr=0.1, momentum=0.9, weight_decay=0.01))
run("sgd_plain", lambda ps: torch.optim.SGD(ps.values(), lr=0.05))
run("adam", lambda ps: torch.optim.Adam(ps.values(), lr=0.01, betas=(0.9, 0.999), eps=1e-8,
                                        weight_decay=0.01))
run("adamw_groups", lambda ps: torch.optim.AdamW(
    [{"params": [ps["p0"]], "lr": 0.01, "weight_decay": 0.01},
     {"params": [ps["p1"]], "lr": 0.002, "weight_decay": 0.0}], betas=(0.8, 0.99), eps=1e-8))
run("adamw_clip_exp", lambda ps: torch.optim.AdamW(ps.values(), lr=0.05, betas=(0.9, 0.99),
                                                   eps=1e-8, weight_decay=0.1),
    clip=0.5, sched=lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5))
save_file({k: v.contiguous() for k, v in out.items()}, "tests/data/train/optim.safetensors",
          metadata={"generator": "tests/ref/optim_fixture.py", "torch": torch.__version__})
