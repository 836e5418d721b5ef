#!/usr/bin/python3
"""fastspeech2_parity.py — PyTorch reference for models/fastspeech2*.c (tests/test_fastspeech2.c).

Builds a tiny FastSpeech2 in PyTorch (1.13, Debian's python3-torch), written
here from the paper and the layer layout of ming024/FastSpeech2, with the
module names voxc uses (so the state dict carries voxc's parameter names) and
voxc's documented differences (models/fastspeech2.h): layer norm over
channels instead of BatchNorm in the PostNet's hidden convs and no norm after
its last conv; padding zeroed wherever a conv over time reads it (after the
speaker/pitch/energy embeddings, inside the variance predictors and the FFT
feed-forwards, after each PostNet conv) and in the outputs; no padding_idx;
inference controls as defined in the header.

Tiny config (as tiny_config() in the test):
  n_vocab 12, n_speakers 3, n_mels 10, hidden 16, 2 heads, 2 + 2 FFT blocks,
  filter 24, kernels (9, 1); predictors 12 ch k3; 32 bins; pitch mean 180 Hz,
  std 40, normalised range [-2.5, 3]; energy mean 30, std 20, range
  [-1.5, 4]; PostNet 5 convs, 16 ch, k5.
Weights are PyTorch's default init with the layer norms' gamma, beta
perturbed (1 + 0.1 N, 0.1 N) and the duration predictor's output bias set to
log(3.5) so that inference predicts a few frames per phoneme. They are drawn
and stored in float32; every reference value is computed in float64
(model.double()) and stored as float32. Dropout is off (eval mode)
throughout, as parity needs.

Inputs: a padded batch of 2 utterances of 7 and 5 phonemes, speakers 2 and
0, ground-truth durations (one of them 0), pitch, energy and mel targets.
Entries at padding are NaN (pitch, energy, mel) or 3 (durations), which the
model and the losses must ignore.

Writes to tests/data/fastspeech2/:
  tiny.safetensors     initial weights and the bin buffers
  parity.safetensors:
    in.phonemes, in.src_lens, in.speakers            i32
    in.durations (i32), in.pitch, in.energy, in.mel  targets
    fwd.NAME          training forward: mel, mel_postnet, log_duration, pitch, energy
    loss.NAME         total, mel, postnet_mel, duration, pitch, energy
    grad.PARAM        d(total loss) / d(PARAM) for every parameter
    inf.NAME          inference, neutral controls: mel_postnet, durations (i32), log_duration
    ctl.NAME          inference with pitch_shift +3 semitones, pitch_scale 1.3,
                      energy_scale 0.7, speed 1.25: mel_postnet, durations (i32)
    train.sS.NAME     S = 1..3: the losses of three Adam updates (lr 1e-2 x Noam
                      factor min(k/2, sqrt(2/k)), betas (0.9, 0.98), eps 1e-9,
                      gradient clipping at norm 1), each loss computed before its update
    final.PARAM       a few parameters after the three updates
Run from the repository root (prints the parameter counts of the named
configs, which tests/test_fastspeech2.c checks):

    /usr/bin/python3 tests/ref/fastspeech2_parity.py
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = "tests/data/fastspeech2"
MAX_PHONEME_FRAMES = 1000

TINY = dict(n_vocab=12, n_speakers=3, n_mels=10, hidden=16, heads=2, enc_layers=2, dec_layers=2,
            ffn_filter=24, ffn_kernel=(9, 1), vp_filter=12, vp_kernel=3, n_bins=32,
            pitch=(180.0, 40.0, -2.5, 3.0), energy=(30.0, 20.0, -1.5, 4.0),
            postnet_layers=5, postnet_channels=16, postnet_kernel=5)
LJSPEECH = dict(n_vocab=256, n_speakers=0, n_mels=80, hidden=256, heads=2, enc_layers=4,
                dec_layers=6, ffn_filter=1024, ffn_kernel=(9, 1), vp_filter=256, vp_kernel=3,
                n_bins=256, pitch=(0.0, 1.0, -4.0, 4.0), energy=(0.0, 1.0, -4.0, 4.0),
                postnet_layers=5, postnet_channels=512, postnet_kernel=5)
SMALL = dict(LJSPEECH, hidden=128, enc_layers=2, dec_layers=2, ffn_filter=512, vp_filter=128,
             postnet_channels=128)


def sinusoid(n_position, d_hid):
    """ming024 get_sinusoid_encoding_table: pos / 10000^(2 (i // 2) / d), sin even, cos odd."""
    pos = np.arange(n_position, dtype=np.float64)[:, None]
    i = np.arange(d_hid)[None, :]
    table = pos / np.power(10000, 2 * (i // 2) / d_hid)
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.from_numpy(table)


class MultiHeadAttention(nn.Module):
    def __init__(self, h, heads):
        super().__init__()
        self.heads = heads
        self.w_qs, self.w_ks, self.w_vs, self.fc = (nn.Linear(h, h) for _ in range(4))
        self.layer_norm = nn.LayerNorm(h)

    def forward(self, x, pad):
        b, t, h = x.shape
        dk = h // self.heads

        def split(y):
            return y.view(b, t, self.heads, dk).permute(0, 2, 1, 3)

        q, k, v = split(self.w_qs(x)), split(self.w_ks(x)), split(self.w_vs(x))
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(dk)
        scores = scores.masked_fill(pad[:, None, None, :], -math.inf)
        out = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(b, t, h)
        return self.layer_norm(self.fc(out) + x)


class PositionwiseFeedForward(nn.Module):
    def __init__(self, h, filt, kernels):
        super().__init__()
        self.w_1 = nn.Conv1d(h, filt, kernels[0], padding=(kernels[0] - 1) // 2)
        self.w_2 = nn.Conv1d(filt, h, kernels[1], padding=(kernels[1] - 1) // 2)
        self.layer_norm = nn.LayerNorm(h)

    def forward(self, x, pad):
        y = F.relu(self.w_1(x.transpose(1, 2))).masked_fill(pad[:, None, :], 0)
        return self.layer_norm(self.w_2(y).transpose(1, 2) + x)


class FFTBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.slf_attn = MultiHeadAttention(c["hidden"], c["heads"])
        self.pos_ffn = PositionwiseFeedForward(c["hidden"], c["ffn_filter"], c["ffn_kernel"])

    def forward(self, x, pad):
        x = self.slf_attn(x, pad).masked_fill(pad[..., None], 0)
        return self.pos_ffn(x, pad).masked_fill(pad[..., None], 0)


class Stack(nn.Module):
    def __init__(self, c, n):
        super().__init__()
        self.layer_stack = nn.ModuleList([FFTBlock(c) for _ in range(n)])

    def forward(self, x, pad):
        x = x + sinusoid(x.shape[1], x.shape[2]).to(x.dtype)[None]
        for block in self.layer_stack:
            x = block(x, pad)
        return x


class Encoder(Stack):
    def __init__(self, c):
        super().__init__(c, c["enc_layers"])
        self.src_word_emb = nn.Embedding(c["n_vocab"], c["hidden"])

    def forward(self, ids, pad):
        return super().forward(self.src_word_emb(ids), pad)


class VariancePredictor(nn.Module):
    def __init__(self, c):
        super().__init__()
        f, k = c["vp_filter"], c["vp_kernel"]
        self.conv1d_1 = nn.Conv1d(c["hidden"], f, k, padding=(k - 1) // 2)
        self.layer_norm_1 = nn.LayerNorm(f)
        self.conv1d_2 = nn.Conv1d(f, f, k, padding=(k - 1) // 2)
        self.layer_norm_2 = nn.LayerNorm(f)
        self.linear_layer = nn.Linear(f, 1)

    def forward(self, x, pad):
        y = self.layer_norm_1(F.relu(self.conv1d_1(x.transpose(1, 2))).transpose(1, 2))
        y = y.masked_fill(pad[..., None], 0)
        y = self.layer_norm_2(F.relu(self.conv1d_2(y.transpose(1, 2))).transpose(1, 2))
        y = y.masked_fill(pad[..., None], 0)
        return self.linear_layer(y).squeeze(-1).masked_fill(pad, 0)


def pitch_control(c, p, semitones, scale):
    mu, sigma = c["pitch"][:2]
    f0 = mu + sigma * p
    return ((mu + scale * (f0 - mu)) * 2.0 ** (semitones / 12.0) - mu) / sigma


def energy_control(c, e, scale):
    mu, sigma = c["energy"][:2]
    return (scale * (mu + sigma * e) - mu) / sigma


class VarianceAdaptor(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.duration_predictor = VariancePredictor(c)
        self.pitch_predictor = VariancePredictor(c)
        self.energy_predictor = VariancePredictor(c)
        self.register_buffer("pitch_bins", torch.linspace(c["pitch"][2], c["pitch"][3], c["n_bins"] - 1))
        self.register_buffer("energy_bins", torch.linspace(c["energy"][2], c["energy"][3], c["n_bins"] - 1))
        self.pitch_embedding = nn.Embedding(c["n_bins"], c["hidden"])
        self.energy_embedding = nn.Embedding(c["n_bins"], c["hidden"])

    def add(self, x, table, bins, values, pad):
        ids = torch.bucketize(values.masked_fill(pad, 0), bins)
        return (x + table(ids)).masked_fill(pad[..., None], 0)

    def forward(self, x, pad, targets, ctl):
        log_d = self.duration_predictor(x, pad)
        p = self.pitch_predictor(x, pad)
        pv = targets["pitch"] if targets else pitch_control(self.c, p, ctl["pitch_shift"], ctl["pitch_scale"])
        x = self.add(x, self.pitch_embedding, self.pitch_bins, pv, pad)
        e = self.energy_predictor(x, pad)
        ev = targets["energy"] if targets else energy_control(self.c, e, ctl["energy_scale"])
        x = self.add(x, self.energy_embedding, self.energy_bins, ev, pad)
        if targets:
            d = targets["durations"].masked_fill(pad, 0)
        else:
            d = torch.clamp(torch.round((torch.exp(log_d) - 1) / ctl["speed"]), 0, MAX_PHONEME_FRAMES)
            d = d.masked_fill(pad, 0).long()
            for b in range(d.shape[0]):
                if d[b].sum() == 0:
                    d[b, 0] = 1
        frames = [torch.repeat_interleave(x[b], d[b], dim=0) for b in range(x.shape[0])]
        t_mel = max(f.shape[0] for f in frames)
        x = torch.stack([F.pad(f, (0, 0, 0, t_mel - f.shape[0])) for f in frames])
        mel_lens = d.sum(1)
        mel_pad = torch.arange(t_mel)[None, :] >= mel_lens[:, None]
        return x, dict(log_duration=log_d, pitch=p, energy=e, durations=d, mel_pad=mel_pad)


class PostNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        n, ch, k, m = c["postnet_layers"], c["postnet_channels"], c["postnet_kernel"], c["n_mels"]
        self.convs = nn.ModuleList([
            nn.Conv1d(m if i == 0 else ch, m if i == n - 1 else ch, k, padding=(k - 1) // 2)
            for i in range(n)])
        self.norms = nn.ModuleList([nn.LayerNorm(ch) for _ in range(n - 1)])

    def forward(self, mel, mel_pad):
        y = mel.transpose(1, 2)
        for i, conv in enumerate(self.convs):
            y = conv(y)
            if i < len(self.norms):
                y = torch.tanh(self.norms[i](y.transpose(1, 2)).transpose(1, 2))
            y = y.masked_fill(mel_pad[:, None, :], 0)
        return mel + y.transpose(1, 2)


class FastSpeech2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)
        self.variance_adaptor = VarianceAdaptor(c)
        self.decoder = Stack(c, c["dec_layers"])
        self.mel_linear = nn.Linear(c["hidden"], c["n_mels"])
        self.postnet = PostNet(c)
        if c["n_speakers"]:
            self.speaker_emb = nn.Embedding(c["n_speakers"], c["hidden"])

    def forward(self, ids, src_lens, speakers, targets=None, ctl=None):
        src_pad = torch.arange(ids.shape[1])[None, :] >= src_lens[:, None]
        x = self.encoder(ids, src_pad)
        if hasattr(self, "speaker_emb"):
            x = (x + self.speaker_emb(speakers)[:, None, :]).masked_fill(src_pad[..., None], 0)
        x, out = self.variance_adaptor(x, src_pad, targets, ctl)
        x = self.decoder(x, out["mel_pad"])
        out["mel"] = self.mel_linear(x).masked_fill(out["mel_pad"][..., None], 0)
        out["mel_postnet"] = self.postnet(out["mel"], out["mel_pad"])
        out["src_pad"] = src_pad
        return out


def losses(out, targets):
    """ming024 model/loss.py: masked_select of the valid entries, L1 on mels, MSE on the rest."""
    src, mel = ~out["src_pad"], ~out["mel_pad"][..., None]
    log_d_target = torch.log(out["durations"].to(out["log_duration"].dtype) + 1)
    l = dict(
        mel=F.l1_loss(out["mel"].masked_select(mel), targets["mel"].masked_select(mel)),
        postnet_mel=F.l1_loss(out["mel_postnet"].masked_select(mel), targets["mel"].masked_select(mel)),
        duration=F.mse_loss(out["log_duration"].masked_select(src), log_d_target.masked_select(src)),
        pitch=F.mse_loss(out["pitch"].masked_select(src), targets["pitch"].masked_select(src)),
        energy=F.mse_loss(out["energy"].masked_select(src), targets["energy"].masked_select(src)))
    l["total"] = l["mel"] + l["postnet_mel"] + l["duration"] + l["pitch"] + l["energy"]
    return l


def param_count(c):
    return sum(p.numel() for p in FastSpeech2(c).parameters())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2024)
    model = FastSpeech2(TINY)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif "norm" in name and name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
        model.variance_adaptor.duration_predictor.linear_layer.bias.fill_(math.log(3.5))
    model.eval()
    save_file({k: v.detach().clone().contiguous() for k, v in model.state_dict().items()},
              OUT + "/tiny.safetensors")

    lens = torch.tensor([7, 5])
    pad = torch.arange(7)[None, :] >= lens[:, None]
    ids = torch.randint(0, TINY["n_vocab"], (2, 7)).masked_fill(pad, 0)
    speakers = torch.tensor([2, 0])
    durations = torch.tensor([[2, 1, 3, 0, 2, 4, 1], [3, 2, 1, 2, 2, 3, 3]]).masked_fill(pad, 3)
    t_mel = int(durations.masked_fill(pad, 0).sum(1).max())
    mel_lens = durations.masked_fill(pad, 0).sum(1)
    mel_pad = torch.arange(t_mel)[None, :] >= mel_lens[:, None]
    targets = dict(durations=durations,
                   pitch=torch.randn(2, 7).masked_fill(pad, math.nan),
                   energy=torch.randn(2, 7).masked_fill(pad, math.nan),
                   mel=torch.randn(2, t_mel, TINY["n_mels"]).masked_fill(mel_pad[..., None], math.nan))
    out = {"in.phonemes": ids.int(), "in.src_lens": lens.int(), "in.speakers": speakers.int(),
           "in.durations": durations.int(), "in.pitch": targets["pitch"],
           "in.energy": targets["energy"], "in.mel": targets["mel"]}

    model.double()
    targets = {k: v.double() if v.is_floating_point() else v for k, v in targets.items()}
    fwd = model(ids, lens, speakers, targets)
    loss = losses(fwd, targets)
    loss["total"].backward()
    for k in ("mel", "mel_postnet", "log_duration", "pitch", "energy"):
        out["fwd." + k] = fwd[k]
    for k, v in loss.items():
        out["loss." + k] = v.reshape(1)
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad.clone()

    with torch.no_grad():
        neutral = dict(pitch_shift=0.0, pitch_scale=1.0, energy_scale=1.0, speed=1.0)
        inf = model(ids, lens, speakers, None, neutral)
        out["inf.mel_postnet"] = inf["mel_postnet"]
        out["inf.durations"] = inf["durations"].int()
        out["inf.log_duration"] = inf["log_duration"]
        ctl = model(ids, lens, speakers, None,
                    dict(pitch_shift=3.0, pitch_scale=1.3, energy_scale=0.7, speed=1.25))
        out["ctl.mel_postnet"] = ctl["mel_postnet"]
        out["ctl.durations"] = ctl["durations"].int()

    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min((k + 1) / 2, math.sqrt(2 / (k + 1))))
    for s in (1, 2, 3):
        opt.zero_grad()
        loss = losses(model(ids, lens, speakers, targets), targets)
        loss["total"].backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        for k, v in loss.items():
            out["train.s%d.%s" % (s, k)] = v.detach().reshape(1)
    for name in ("encoder.layer_stack.0.slf_attn.w_qs.weight", "mel_linear.bias",
                 "variance_adaptor.pitch_embedding.weight", "postnet.convs.4.weight"):
        out["final." + name] = model.get_parameter(name).detach().clone()

    save_file({k: (v.detach().float() if v.is_floating_point() else v).contiguous() for k, v in out.items()},
              OUT + "/parity.safetensors",
              metadata={"generator": "tests/ref/fastspeech2_parity.py", "torch": torch.__version__})
    print("parameters: ljspeech %d, small %d, tiny %d" %
          (param_count(LJSPEECH), param_count(SMALL), param_count(TINY)))


if __name__ == "__main__":
    main()
