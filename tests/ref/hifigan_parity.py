#!/usr/bin/python3
"""hifigan_parity.py — PyTorch reference for models/hifigan*.c (tests/test_hifigan.c).

Builds tiny HiFi-GAN models in PyTorch (1.13, Debian's python3-torch), written
here from the paper and the layer table of jik876/hifi-gan (same module
names, so the state dicts use voxc's parameter names), with fixed weights:

  g1   generator, ResBlock1: 8 mels, upsample_initial_channel 16, rates 4,4,
       kernels 8,8, resblock kernels 3,5 with dilations (1,3,5) x 2
  g2   generator, ResBlock2: same stack, dilations (1,2), (2,6)
  mpd  periods 2,3,5,7,11, channels 4,8,8,16,16 (kernel 5, stride 3)
  msd  3 scales, channels 8,8,16,16,16,16,16, groups 1,4,8,8,8,8,1, spectral
       norm on the first scale
  loss mel: sr 22050, n_fft 128, win 128, hop 32, 20 Slaney mels 0..11025 Hz,
       reflect pad (n_fft - hop) / 2, center False, sqrt(re^2 + im^2 + 1e-9),
       log(clamp(x, 1e-5)); the filterbank is librosa.filters.mel's (Slaney
       scale and norm), computed below in numpy from the same formula; checked
       against librosa 0.11 with (prints ~5e-10 for values up to 6e-3):
         python3 -c "import librosa; from safetensors.numpy import load_file;
         fb = load_file('tests/data/hifigan/parity.safetensors')['mel.fb'];
         print(abs(fb - librosa.filters.mel(sr=22050, n_fft=128, n_mels=20,
         fmin=0, fmax=11025)).max())"
  Weight-norm g is scaled by U(0.8, 1.2) after construction so g != |v|.
  The weights and inputs are drawn and stored in float32; every reference
  value is then computed in float64 (model.double()) and stored as float32,
  so the fixture carries no float32 rounding of its own. (PyTorch's float32
  run of the same script agrees with it within 7e-6 relative per tensor,
  except one gradient element that cancels: see tests/test_hifigan.c.)

Writes to tests/data/hifigan/:
  g1.safetensors, g2.safetensors, disc.safetensors   initial weights (+ u, v buffers)
  parity.safetensors:
    in.mel [2, 8, 16], in.y [2, 1, 256], mel.fb [20, 65]
    fwd.g1.y_hat, fwd.g2.y_hat           generator outputs (train mode)
    fwd.mel.y                            loss log-mel of in.y [2, 20, 8]
    fwd.mpd.K.fmap.J / fwd.msd.K.fmap.J  feature maps of D(in.y), K-th
                                         sub-discriminator, J-th map (the last is
                                         the logits); MPD maps in voxc's folded
                                         layout [B*p, C, T/p]; one forward in
                                         train mode (one power iteration)
    fwd.msd.u, fwd.msd.v                 u, v of msd.discriminators.0.convs.0 after it
    grad.g2.NAME                         d(45 * mel L1(G2(in.mel), in.y)) / dNAME
    train.sS.LOSS (S = 1..3)             losses of three steps of the GAN loop of
                                         jik876/hifi-gan train.py with g1, mpd, msd:
                                         AdamW lr 2e-3, betas (0.8, 0.99), eps 1e-8,
                                         weight decay 0.01, ExponentialLR gamma 0.9
                                         stepped after every update; LOSS in
                                         disc_all disc_f disc_s gen_all gen_f gen_s
                                         fm_f fm_s mel (mel and fm unweighted)
    grad.s1.NAME                         step 1 gradients: generator parameters of
                                         gen_all, discriminator parameters of disc_all
    final.NAME                           a few tensors after the three steps
Run from the repository root:

    /usr/bin/python3 tests/ref/hifigan_parity.py
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file
from torch.nn.utils import spectral_norm, weight_norm

OUT = "tests/data/hifigan"
LRELU = 0.1
SR, N_FFT, HOP, WIN, N_MELS = 22050, 128, 32, 128, 20


def same_pad(k, d=1):
    return (k * d - d) // 2


# --- generator ------------------------------------------------------------------------

class ResBlock1(nn.Module):
    def __init__(self, ch, k, dils):
        super().__init__()
        self.convs1 = nn.ModuleList(
            [weight_norm(nn.Conv1d(ch, ch, k, 1, dilation=d, padding=same_pad(k, d))) for d in dils])
        self.convs2 = nn.ModuleList(
            [weight_norm(nn.Conv1d(ch, ch, k, 1, dilation=1, padding=same_pad(k))) for _ in dils])

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            x = c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU)), LRELU)) + x
        return x


class ResBlock2(nn.Module):
    def __init__(self, ch, k, dils):
        super().__init__()
        self.convs = nn.ModuleList(
            [weight_norm(nn.Conv1d(ch, ch, k, 1, dilation=d, padding=same_pad(k, d))) for d in dils])

    def forward(self, x):
        for c in self.convs:
            x = c(F.leaky_relu(x, LRELU)) + x
        return x


class Generator(nn.Module):
    def __init__(self, n_mels, resblock, uic, rates, kernels, rb_kernels, rb_dils):
        super().__init__()
        self.nk = len(rb_kernels)
        self.conv_pre = weight_norm(nn.Conv1d(n_mels, uic, 7, 1, padding=3))
        self.ups = nn.ModuleList()
        for i, (u, k) in enumerate(zip(rates, kernels)):
            self.ups.append(weight_norm(nn.ConvTranspose1d(uic >> i, uic >> (i + 1), k, u,
                                                           padding=(k - u) // 2)))
        block = ResBlock1 if resblock == 1 else ResBlock2
        self.resblocks = nn.ModuleList()
        for i in range(len(rates)):
            for k, d in zip(rb_kernels, rb_dils):
                self.resblocks.append(block(uic >> (i + 1), k, d))
        self.conv_post = weight_norm(nn.Conv1d(uic >> len(rates), 1, 7, 1, padding=3))

    def forward(self, x):
        x = self.conv_pre(x)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU))
            xs = None
            for j in range(self.nk):
                y = self.resblocks[i * self.nk + j](x)
                xs = y if xs is None else xs + y
            x = xs / self.nk
        x = self.conv_post(F.leaky_relu(x))  # default slope 0.01, as the reference
        return torch.tanh(x)


# --- discriminators ---------------------------------------------------------------------

class DiscP(nn.Module):
    def __init__(self, period, chans, k=5, s=3):
        super().__init__()
        self.period = period
        cins = [1] + chans[:-1]
        self.convs = nn.ModuleList([
            weight_norm(nn.Conv2d(ci, co, (k, 1), (s if j < len(chans) - 1 else 1, 1),
                                  padding=(same_pad(k), 0)))
            for j, (ci, co) in enumerate(zip(cins, chans))])
        self.conv_post = weight_norm(nn.Conv2d(chans[-1], 1, (3, 1), 1, padding=(1, 0)))

    def forward(self, x):
        fmap = []
        b, c, t = x.shape
        if t % self.period:
            x = F.pad(x, (0, self.period - t % self.period), "reflect")
            t = x.shape[-1]
        x = x.view(b, c, t // self.period, self.period)
        for conv in self.convs:
            x = F.leaky_relu(conv(x), LRELU)
            fmap.append(x)
        x = self.conv_post(x)
        fmap.append(x)
        return torch.flatten(x, 1, -1), fmap


class MPD(nn.Module):
    def __init__(self, periods, chans):
        super().__init__()
        self.discriminators = nn.ModuleList([DiscP(p, chans) for p in periods])

    def forward(self, y, y_hat):
        out = ([], [], [], [])
        for d in self.discriminators:
            r, fr = d(y)
            g, fg = d(y_hat)
            for lst, v in zip(out, (r, g, fr, fg)):
                lst.append(v)
        return out


class DiscS(nn.Module):
    def __init__(self, chans, groups, sn=False):
        super().__init__()
        norm = spectral_norm if sn else weight_norm
        ks, ss = [15, 41, 41, 41, 41, 41, 5], [1, 2, 2, 4, 4, 1, 1]
        cins = [1] + chans[:-1]
        self.convs = nn.ModuleList([
            norm(nn.Conv1d(ci, co, k, s, groups=g, padding=(k - 1) // 2))
            for ci, co, k, s, g in zip(cins, chans, ks, ss, groups)])
        self.conv_post = norm(nn.Conv1d(chans[-1], 1, 3, 1, padding=1))

    def forward(self, x):
        fmap = []
        for conv in self.convs:
            x = F.leaky_relu(conv(x), LRELU)
            fmap.append(x)
        x = self.conv_post(x)
        fmap.append(x)
        return torch.flatten(x, 1, -1), fmap


class MSD(nn.Module):
    def __init__(self, chans, groups):
        super().__init__()
        self.discriminators = nn.ModuleList([DiscS(chans, groups, sn=True), DiscS(chans, groups),
                                             DiscS(chans, groups)])
        self.meanpools = nn.ModuleList([nn.AvgPool1d(4, 2, padding=2), nn.AvgPool1d(4, 2, padding=2)])

    def forward(self, y, y_hat):
        out = ([], [], [], [])
        for i, d in enumerate(self.discriminators):
            if i:
                y, y_hat = self.meanpools[i - 1](y), self.meanpools[i - 1](y_hat)
            r, fr = d(y)
            g, fg = d(y_hat)
            for lst, v in zip(out, (r, g, fr, fg)):
                lst.append(v)
        return out


def feature_loss(fr, fg):
    loss = 0
    for dr, dg in zip(fr, fg):
        for r, g in zip(dr, dg):
            loss += torch.mean(torch.abs(r - g))
    return loss * 2


def discriminator_loss(real, fake):
    loss = 0
    for dr, dg in zip(real, fake):
        loss += torch.mean((1 - dr) ** 2) + torch.mean(dg ** 2)
    return loss


def generator_loss(fake):
    loss = 0
    for dg in fake:
        loss += torch.mean((1 - dg) ** 2)
    return loss


# --- loss mel -----------------------------------------------------------------------------

def hz_to_mel(f):
    """Slaney: linear 3 mels / 200 Hz below 1 kHz, logarithmic (27 mels per factor 6.4) above."""
    f = np.asarray(f, dtype=np.float64)
    lin = f / (200.0 / 3)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), lin)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))


def slaney_filterbank(sr, n_fft, n_mels, fmin, fmax):
    freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    pts = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fb = np.zeros((n_mels, len(freqs)))
    for i in range(n_mels):
        lower = (freqs - pts[i]) / (pts[i + 1] - pts[i])
        upper = (pts[i + 2] - freqs) / (pts[i + 2] - pts[i + 1])
        fb[i] = np.maximum(0, np.minimum(lower, upper)) * 2.0 / (pts[i + 2] - pts[i])
    return fb.astype(np.float32)


FB = torch.from_numpy(slaney_filterbank(SR, N_FFT, N_MELS, 0, SR / 2))
WINDOW = torch.hann_window(WIN)


def log_mel(y):
    y = F.pad(y.reshape(y.shape[0], 1, -1), ((N_FFT - HOP) // 2, (N_FFT - HOP) // 2), mode="reflect")
    spec = torch.stft(y.squeeze(1), N_FFT, hop_length=HOP, win_length=WIN, window=WINDOW,
                      center=False, normalized=False, onesided=True, return_complex=True)
    spec = torch.view_as_real(spec)
    mag = torch.sqrt(spec.pow(2).sum(-1) + 1e-9)
    return torch.log(torch.clamp(torch.matmul(FB, mag), min=1e-5))


# --- fixture -------------------------------------------------------------------------------

def perturb_g(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight_g"):
                p.mul_(torch.empty_like(p).uniform_(0.8, 1.2))


def state(model, prefix=""):
    return {prefix + k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def folded(x, period):
    """[B, C, H, p] -> voxc's MPD layout [B*p, C, H]."""
    b, c, h, p = x.shape
    return x.permute(0, 3, 1, 2).reshape(b * p, c, h)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1234)
    g1 = Generator(8, 1, 16, [4, 4], [8, 8], [3, 5], [[1, 3, 5], [1, 3, 5]])
    g2 = Generator(8, 2, 16, [4, 4], [8, 8], [3, 5], [[1, 2], [2, 6]])
    mpd = MPD([2, 3, 5, 7, 11], [4, 8, 8, 16, 16])
    msd = MSD([8, 8, 16, 16, 16, 16, 16], [1, 4, 8, 8, 8, 8, 1])
    for m in (g1, g2, mpd, msd):
        perturb_g(m)
        m.train()
    save_file(state(g1), OUT + "/g1.safetensors")
    save_file(state(g2), OUT + "/g2.safetensors")
    disc0 = {**state(mpd, "mpd."), **state(msd, "msd.")}
    save_file(disc0, OUT + "/disc.safetensors")

    t = torch.arange(256, dtype=torch.float32) / SR
    y = torch.stack([0.5 * torch.sin(2 * math.pi * 440 * t), 0.3 * torch.sin(2 * math.pi * 1250 * t)])
    y = (y + 0.05 * torch.randn(2, 256)).clamp(-1, 1).unsqueeze(1)
    mel_in = torch.randn(2, 8, 16)
    # everything from here on in float64 (weights and inputs as stored in float32)
    global FB, WINDOW
    FB, WINDOW = FB.double(), WINDOW.double()
    for m in (g1, g2, mpd, msd):
        m.double()
    y, mel_in = y.double(), mel_in.double()
    out = {"in.mel": mel_in, "in.y": y, "mel.fb": FB}

    # forward outputs
    with torch.no_grad():
        out["fwd.g1.y_hat"] = g1(mel_in)
        out["fwd.g2.y_hat"] = g2(mel_in)
        out["fwd.mel.y"] = log_mel(y)
        for k, d in enumerate(mpd.discriminators):
            _, fmap = d(y)
            for j, f in enumerate(fmap):
                out["fwd.mpd.%d.fmap.%d" % (k, j)] = folded(f, d.period)
        msd_copy = MSD([8, 8, 16, 16, 16, 16, 16], [1, 4, 8, 8, 8, 8, 1])
        msd_copy.double()
        msd_copy.load_state_dict(msd.state_dict())
        msd_copy.train()
        yk = y
        for k, d in enumerate(msd_copy.discriminators):
            if k:
                yk = msd_copy.meanpools[k - 1](yk)
            _, fmap = d(yk)
            for j, f in enumerate(fmap):
                out["fwd.msd.%d.fmap.%d" % (k, j)] = f
        c0 = msd_copy.discriminators[0].convs[0]
        out["fwd.msd.u"], out["fwd.msd.v"] = c0.weight_u.clone(), c0.weight_v.clone()

    # G2 gradients of the mel loss
    g2.zero_grad()
    (F.l1_loss(log_mel(y), log_mel(g2(mel_in))) * 45).backward()
    for name, p in g2.named_parameters():
        out["grad.g2." + name] = p.grad.clone()

    # three steps of the GAN loop
    opt_g = torch.optim.AdamW(g1.parameters(), 2e-3, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.01)
    opt_d = torch.optim.AdamW(list(mpd.parameters()) + list(msd.parameters()), 2e-3, betas=(0.8, 0.99),
                              eps=1e-8, weight_decay=0.01)
    sched_g = torch.optim.lr_scheduler.ExponentialLR(opt_g, gamma=0.9)
    sched_d = torch.optim.lr_scheduler.ExponentialLR(opt_d, gamma=0.9)
    y_mel = log_mel(y)
    for s in (1, 2, 3):
        y_hat = g1(mel_in)
        y_hat_mel = log_mel(y_hat)
        opt_d.zero_grad()
        rf, ff, _, _ = mpd(y, y_hat.detach())
        disc_f = discriminator_loss(rf, ff)
        rs, fs, _, _ = msd(y, y_hat.detach())
        disc_s = discriminator_loss(rs, fs)
        disc_all = disc_s + disc_f
        disc_all.backward()
        if s == 1:
            for name, p in mpd.named_parameters():
                out["grad.s1.mpd." + name] = p.grad.clone()
            for name, p in msd.named_parameters():
                out["grad.s1.msd." + name] = p.grad.clone()
        opt_d.step()
        opt_g.zero_grad()
        mel_l1 = F.l1_loss(y_mel, y_hat_mel)
        _, ff, fmr_f, fmg_f = mpd(y, y_hat)
        _, fs, fmr_s, fmg_s = msd(y, y_hat)
        fm_f, fm_s = feature_loss(fmr_f, fmg_f), feature_loss(fmr_s, fmg_s)
        gen_f, gen_s = generator_loss(ff), generator_loss(fs)
        gen_all = gen_s + gen_f + fm_s + fm_f + mel_l1 * 45
        gen_all.backward()
        if s == 1:
            for name, p in g1.named_parameters():
                out["grad.s1." + name] = p.grad.clone()
        opt_g.step()
        sched_g.step()
        sched_d.step()
        for name, v in (("disc_all", disc_all), ("disc_f", disc_f), ("disc_s", disc_s),
                        ("gen_all", gen_all), ("gen_f", gen_f), ("gen_s", gen_s),
                        ("fm_f", fm_f / 2), ("fm_s", fm_s / 2), ("mel", mel_l1)):
            out["train.s%d.%s" % (s, name)] = v.detach().reshape(1)
    out["final.conv_post.weight_v"] = g1.conv_post.weight_v.detach().clone()
    out["final.msd.discriminators.0.convs.0.weight_u"] = msd.discriminators[0].convs[0].weight_u.clone()
    out["final.mpd.discriminators.4.conv_post.bias"] = mpd.discriminators[4].conv_post.bias.detach().clone()
    save_file({k: v.detach().float().contiguous() for k, v in out.items()}, OUT + "/parity.safetensors",
              metadata={"generator": "tests/ref/hifigan_parity.py", "torch": torch.__version__})


if __name__ == "__main__":
    main()
