#!/usr/bin/python3
"""make_tiny_piper.py — build two tiny random-weight Piper-architecture VITS
generators in PyTorch, export them to ONNX the way Piper exports voices, and
write the fixtures the C tests compare against.

The architecture follows the VITS generator as Piper uses it (text encoder
with relative-position attention, stochastic duration predictor, residual
coupling flows whose WaveNet layers keep weight norm, HiFi-GAN decoder with
weight norm removed), written here from the published model description with
tiny channel counts. Module paths match Piper's, so the exported initializer
names come out as in real voices, including the `sid` rename of the phoneme
embedding and the anonymous `onnx::Conv_*` flow weights. Debian's torch 1.13
folds dp.flows.0.logs into an Exp over a -logs constant (`onnx::Exp_*`); the
real voice's torch 2.0 exporter folded it one step further, into exp(-logs)
(`/dp/flows.0/Exp_output_0`): the importer handles both.

Run (Debian: apt-get install python3-torch python3-onnx):
    /usr/bin/python3 tests/ref/make_tiny_piper.py
Writes, under tests/data/onnx/:
    tiny_medium.onnx{,.json}  single speaker, resblock 2, upsample 8,8,4
    tiny_multi.onnx{,.json}   4 speakers, 1 head, resblock 1 (2 kernels),
                              upsample 8,8,2,2
    tiny_piper_ref.json       for each model: hyper-parameters, every ONNX
        initializer (name, dims, dtype, first values, sum), some node
        attributes, and every weight under its PyTorch name (dims, first
        values, sum) as the importer must produce it, plus one
        deterministic inference (noise_scale = noise_w = 0) for later
        parity tests.
"""
import json
import math
import os
import sys

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import remove_weight_norm, weight_norm

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "onnx")
LRELU_SLOPE = 0.1


# --- shared pieces ----------------------------------------------------------

def sequence_mask(lengths, max_len):
    positions = torch.arange(max_len, dtype=lengths.dtype, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channel axis of [B, C, T]; parameters gamma/beta."""

    def __init__(self, channels, eps=1e-5):
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        y = F.layer_norm(x.transpose(1, -1), (self.channels,), self.gamma, self.beta, self.eps)
        return y.transpose(1, -1)


# --- text encoder -------------------------------------------------------------

class RelativeAttention(nn.Module):
    """Multi-head self-attention with relative position embeddings shared by
    the heads: score_ij += q_i . emb_k[j - i + w], out_i += sum_j p_ij emb_v[j - i + w]
    for |j - i| <= w (ref: Shaw et al. 2018, as used in VITS)."""

    def __init__(self, channels, n_heads, window):
        super().__init__()
        self.n_heads = n_heads
        self.window = window
        self.k_channels = channels // n_heads
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, channels, 1)
        scale = self.k_channels ** -0.5
        self.emb_rel_k = nn.Parameter(torch.randn(1, 2 * window + 1, self.k_channels) * scale)
        self.emb_rel_v = nn.Parameter(torch.randn(1, 2 * window + 1, self.k_channels) * scale)

    def relative_index(self, t):
        """[T, T]: column of relative position j - i + w in [0, 2w], and whether |j - i| <= w."""
        positions = torch.arange(t)
        rel = positions.unsqueeze(0) - positions.unsqueeze(1) + self.window
        valid = (rel >= 0) & (rel <= 2 * self.window)
        return rel.clamp(0, 2 * self.window), valid

    def absolute_index(self, t):
        """[T, 2w+1]: key position j = i + r - w for relative column r, and whether 0 <= j < T."""
        positions = torch.arange(t)
        offsets = torch.arange(2 * self.window + 1)
        col = positions.unsqueeze(1) + offsets.unsqueeze(0) - self.window
        valid = (col >= 0) & (col < t)
        return col.clamp(0, t - 1), valid

    def forward(self, x, attn_mask):
        b, c, t = x.shape
        h, d = self.n_heads, self.k_channels
        q = self.conv_q(x).view(b, h, d, t).transpose(2, 3)  # [B, h, T, d]
        k = self.conv_k(x).view(b, h, d, t).transpose(2, 3)
        v = self.conv_v(x).view(b, h, d, t).transpose(2, 3)
        q = q / math.sqrt(d)
        scores = torch.matmul(q, k.transpose(-2, -1))  # [B, h, T, T]
        index, valid = self.relative_index(t)
        # the embeddings enter MatMul untransformed, so the exporter keeps them
        # as named initializers (as in real voices) instead of folding them
        rel_logits = torch.matmul(self.emb_rel_k, q.transpose(-2, -1)).transpose(-2, -1)  # [B, h, T, 2w+1]
        scores = scores + torch.gather(rel_logits, 3, index.expand(b, h, t, t)) * valid
        scores = scores.masked_fill(attn_mask == 0, -1e4)
        p = torch.softmax(scores, dim=-1)
        out = torch.matmul(p, v)  # [B, h, T, d]
        # weights by relative position: rel_w[i, r] = p[i, i + r - w], gathered
        # (a scatter_add would export to opset 15 as an overwriting scatter)
        col, col_valid = self.absolute_index(t)
        rel_w = torch.gather(p, 3, col.expand(b, h, t, 2 * self.window + 1)) * col_valid
        out = out + torch.matmul(rel_w, self.emb_rel_v)
        out = out.transpose(2, 3).contiguous().view(b, c, t)
        return self.conv_o(out)


class FeedForward(nn.Module):
    def __init__(self, channels, filter_channels, kernel_size):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)

    def same_pad(self, x):
        return F.pad(x, [(self.kernel_size - 1) // 2, self.kernel_size // 2])

    def forward(self, x, x_mask):
        x = torch.relu(self.conv_1(self.same_pad(x * x_mask)))
        x = self.conv_2(self.same_pad(x * x_mask))
        return x * x_mask


class Encoder(nn.Module):
    def __init__(self, hidden, filter_channels, n_heads, n_layers, kernel_size, window):
        super().__init__()
        self.attn_layers = nn.ModuleList(RelativeAttention(hidden, n_heads, window) for _ in range(n_layers))
        self.norm_layers_1 = nn.ModuleList(ChannelLayerNorm(hidden) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(FeedForward(hidden, filter_channels, kernel_size) for _ in range(n_layers))
        self.norm_layers_2 = nn.ModuleList(ChannelLayerNorm(hidden) for _ in range(n_layers))

    def forward(self, x, x_mask):
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = x * x_mask
        for attn, norm1, ffn, norm2 in zip(self.attn_layers, self.norm_layers_1, self.ffn_layers,
                                           self.norm_layers_2):
            x = norm1(x + attn(x, attn_mask))
            x = norm2(x + ffn(x, x_mask))
        return x * x_mask


class TextEncoder(nn.Module):
    def __init__(self, n_vocab, out_channels, hidden, filter_channels, n_heads, n_layers, kernel_size, window):
        super().__init__()
        self.hidden = hidden
        self.out_channels = out_channels
        self.emb = nn.Embedding(n_vocab, hidden)
        self.encoder = Encoder(hidden, filter_channels, n_heads, n_layers, kernel_size, window)
        self.proj = nn.Conv1d(hidden, out_channels * 2, 1)

    def forward(self, ids, lengths):
        x = self.emb(ids) * math.sqrt(self.hidden)  # [B, T, H]
        x = x.transpose(1, -1)  # [B, H, T]
        x_mask = sequence_mask(lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        x = self.encoder(x * x_mask, x_mask)
        stats = self.proj(x) * x_mask
        m, logs = torch.split(stats, self.out_channels, dim=1)
        return x, m, logs, x_mask


# --- stochastic duration predictor -------------------------------------------

class DDSConv(nn.Module):
    """Dilated depth-separable convolutions, dilation kernel_size**i."""

    def __init__(self, channels, kernel_size, n_layers):
        super().__init__()
        self.convs_sep = nn.ModuleList()
        self.convs_1x1 = nn.ModuleList()
        self.norms_1 = nn.ModuleList()
        self.norms_2 = nn.ModuleList()
        for i in range(n_layers):
            dilation = kernel_size ** i
            padding = (kernel_size * dilation - dilation) // 2
            self.convs_sep.append(nn.Conv1d(channels, channels, kernel_size, groups=channels, dilation=dilation,
                                            padding=padding))
            self.convs_1x1.append(nn.Conv1d(channels, channels, 1))
            self.norms_1.append(ChannelLayerNorm(channels))
            self.norms_2.append(ChannelLayerNorm(channels))

    def forward(self, x, x_mask, g=None):
        if g is not None:
            x = x + g
        for sep, pw, n1, n2 in zip(self.convs_sep, self.convs_1x1, self.norms_1, self.norms_2):
            y = F.gelu(n1(sep(x * x_mask)))
            y = F.gelu(n2(pw(y)))
            x = x + y
        return x * x_mask


def rational_quadratic_inverse(inputs, unnorm_widths, unnorm_heights, unnorm_derivs, tail_bound,
                               min_width=1e-3, min_height=1e-3, min_deriv=1e-3):
    """Inverse monotonic rational-quadratic spline on [-B, B] with identity
    (linear) tails (ref: Durkan et al. 2019, "Neural Spline Flows", eq. 4-8)."""
    inside = (inputs >= -tail_bound) & (inputs <= tail_bound)
    edge = math.log(math.exp(1 - min_deriv) - 1)  # softplus(edge) + min_deriv == 1
    ud = F.pad(unnorm_derivs, (1, 1), value=edge)
    # evaluate everywhere on clamped inputs, keep the identity outside [-B, B]
    y = inputs.clamp(-tail_bound, tail_bound)
    uw, uh = unnorm_widths, unnorm_heights
    num_bins = uw.shape[-1]

    def knots(unnorm, minimum):
        sizes = minimum + (1 - minimum * num_bins) * torch.softmax(unnorm, dim=-1)
        cum = F.pad(torch.cumsum(sizes, dim=-1), (1, 0), value=0.0)
        cum = 2 * tail_bound * cum - tail_bound
        cum[..., 0] = -tail_bound
        cum[..., -1] = tail_bound
        return cum, cum[..., 1:] - cum[..., :-1]

    cumwidths, widths = knots(uw, min_width)
    cumheights, heights = knots(uh, min_height)
    derivs = min_deriv + F.softplus(ud)

    locations = cumheights.clone()
    locations[..., -1] += 1e-6
    bin_idx = (torch.sum(y[..., None] >= locations, dim=-1) - 1)[..., None]

    x_k = cumwidths.gather(-1, bin_idx)[..., 0]
    w_k = widths.gather(-1, bin_idx)[..., 0]
    y_k = cumheights.gather(-1, bin_idx)[..., 0]
    h_k = heights.gather(-1, bin_idx)[..., 0]
    s_k = (heights / widths).gather(-1, bin_idx)[..., 0]
    d_k = derivs.gather(-1, bin_idx)[..., 0]
    d_k1 = derivs[..., 1:].gather(-1, bin_idx)[..., 0]

    dy = y - y_k
    a = dy * (d_k + d_k1 - 2 * s_k) + h_k * (s_k - d_k)
    b = h_k * d_k - dy * (d_k + d_k1 - 2 * s_k)
    c = -s_k * dy
    disc = b.pow(2) - 4 * a * c
    theta = (2 * c) / (-b - torch.sqrt(disc))
    return torch.where(inside, theta * w_k + x_k, inputs)


class ElementwiseAffine(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.m = nn.Parameter(torch.zeros(channels, 1))
        self.logs = nn.Parameter(torch.zeros(channels, 1))

    def forward(self, x, x_mask, g=None):  # reverse direction only
        return (x - self.m) * torch.exp(-self.logs) * x_mask


class ConvFlow(nn.Module):
    def __init__(self, in_channels, filter_channels, kernel_size, n_layers, num_bins=10, tail_bound=5.0):
        super().__init__()
        self.half = in_channels // 2
        self.filter_channels = filter_channels
        self.num_bins = num_bins
        self.tail_bound = tail_bound
        self.pre = nn.Conv1d(self.half, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, n_layers)
        self.proj = nn.Conv1d(filter_channels, self.half * (num_bins * 3 - 1), 1)

    def forward(self, x, x_mask, g=None):  # reverse direction only
        x0, x1 = torch.split(x, [self.half, self.half], 1)
        h = self.convs(self.pre(x0), x_mask, g=g)
        h = self.proj(h) * x_mask
        b, c, t = x0.shape
        h = h.reshape(b, c, -1, t).permute(0, 1, 3, 2)  # [B, c, T, 3*bins-1]
        nb = self.num_bins
        widths = h[..., :nb] / math.sqrt(self.filter_channels)
        heights = h[..., nb:2 * nb] / math.sqrt(self.filter_channels)
        derivs = h[..., 2 * nb:]
        x1 = rational_quadratic_inverse(x1, widths, heights, derivs, self.tail_bound)
        return torch.cat([x0, x1], 1) * x_mask


class Flip(nn.Module):
    def forward(self, x, *args, **kwargs):
        return torch.flip(x, [1])


class StochasticDurationPredictor(nn.Module):
    def __init__(self, channels, kernel_size, n_flows, gin_channels):
        super().__init__()
        filter_channels = channels
        self.flows = nn.ModuleList([ElementwiseAffine(2)])
        for _ in range(n_flows):
            self.flows.append(ConvFlow(2, filter_channels, kernel_size, ARCH["dp_n_layers"], ARCH["dp_num_bins"]))
            self.flows.append(Flip())
        self.pre = nn.Conv1d(channels, filter_channels, 1)
        self.proj = nn.Conv1d(filter_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, ARCH["dp_n_layers"])
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, filter_channels, 1)

    def forward(self, x, x_mask, g=None, noise_scale=1.0):  # reverse (inference) direction
        x = self.pre(x)
        if g is not None:
            x = x + self.cond(g)
        x = self.proj(self.convs(x, x_mask)) * x_mask
        # reverse order; the first ConvFlow (flows.1) is skipped at inference
        flows = list(reversed(self.flows))
        flows = flows[:-2] + [flows[-1]]
        z = torch.randn(x.size(0), 2, x.size(2)) * noise_scale
        for flow in flows:
            z = flow(z, x_mask, g=x)
        logw, _ = torch.split(z, [1, 1], 1)
        return logw


# --- flows ---------------------------------------------------------------------

class WaveNet(nn.Module):
    """Gated dilated conv stack with weight norm (kept in exported voices)."""

    def __init__(self, hidden, kernel_size, dilation_rate, n_layers, gin_channels):
        super().__init__()
        self.hidden = hidden
        self.n_layers = n_layers
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        if gin_channels:
            self.cond_layer = weight_norm(nn.Conv1d(gin_channels, 2 * hidden * n_layers, 1), name="weight")
        for i in range(n_layers):
            dilation = dilation_rate ** i
            padding = (kernel_size * dilation - dilation) // 2
            self.in_layers.append(weight_norm(nn.Conv1d(hidden, 2 * hidden, kernel_size, dilation=dilation,
                                                        padding=padding), name="weight"))
            out = 2 * hidden if i < n_layers - 1 else hidden
            self.res_skip_layers.append(weight_norm(nn.Conv1d(hidden, out, 1), name="weight"))

    def forward(self, x, x_mask, g=None):
        output = torch.zeros_like(x)
        if g is not None:
            g = self.cond_layer(g)
        for i in range(self.n_layers):
            x_in = self.in_layers[i](x)
            if g is not None:
                x_in = x_in + g[:, i * 2 * self.hidden:(i + 1) * 2 * self.hidden, :]
            acts = torch.tanh(x_in[:, :self.hidden]) * torch.sigmoid(x_in[:, self.hidden:])
            res_skip = self.res_skip_layers[i](acts)
            if i < self.n_layers - 1:
                x = (x + res_skip[:, :self.hidden]) * x_mask
                output = output + res_skip[:, self.hidden:]
            else:
                output = output + res_skip
        return output * x_mask


class CouplingLayer(nn.Module):
    """Mean-only affine coupling: x1 <- x1 - m(x0) in the reverse direction."""

    def __init__(self, channels, hidden, kernel_size, dilation_rate, n_layers, gin_channels):
        super().__init__()
        self.half = channels // 2
        self.pre = nn.Conv1d(self.half, hidden, 1)
        self.enc = WaveNet(hidden, kernel_size, dilation_rate, n_layers, gin_channels)
        self.post = nn.Conv1d(hidden, self.half, 1)

    def forward(self, x, x_mask, g=None):  # reverse direction only
        x0, x1 = torch.split(x, [self.half, self.half], 1)
        h = self.pre(x0) * x_mask
        h = self.enc(h, x_mask, g=g)
        m = self.post(h) * x_mask
        logs = torch.zeros_like(m)
        x1 = (x1 - m) * torch.exp(-logs) * x_mask
        return torch.cat([x0, x1], 1)


class CouplingBlock(nn.Module):
    def __init__(self, channels, hidden, kernel_size, dilation_rate, n_layers, n_flows, gin_channels):
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(CouplingLayer(channels, hidden, kernel_size, dilation_rate, n_layers, gin_channels))
            self.flows.append(Flip())

    def forward(self, x, x_mask, g=None):  # reverse direction only
        for flow in reversed(self.flows):
            x = flow(x, x_mask, g=g)
        return x


# --- decoder -----------------------------------------------------------------

def same_padding(kernel_size, dilation):
    return (kernel_size * dilation - dilation) // 2


class ResBlock1(nn.Module):
    def __init__(self, channels, kernel_size, dilations):
        super().__init__()
        self.convs1 = nn.ModuleList(weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d,
                                                          padding=same_padding(kernel_size, d)))
                                    for d in dilations)
        self.convs2 = nn.ModuleList(weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=1,
                                                          padding=same_padding(kernel_size, 1)))
                                    for _ in dilations)

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
            x = xt + x
        return x

    def remove_weight_norm(self):
        for conv in list(self.convs1) + list(self.convs2):
            remove_weight_norm(conv)


class ResBlock2(nn.Module):
    def __init__(self, channels, kernel_size, dilations):
        super().__init__()
        self.convs = nn.ModuleList(weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d,
                                                         padding=same_padding(kernel_size, d)))
                                   for d in dilations)

    def forward(self, x):
        for conv in self.convs:
            x = conv(F.leaky_relu(x, LRELU_SLOPE)) + x
        return x

    def remove_weight_norm(self):
        for conv in self.convs:
            remove_weight_norm(conv)


class Generator(nn.Module):
    def __init__(self, in_channels, resblock, resblock_kernels, resblock_dilations, upsample_rates,
                 upsample_initial_channel, upsample_kernels, gin_channels):
        super().__init__()
        self.num_kernels = len(resblock_kernels)
        self.conv_pre = nn.Conv1d(in_channels, upsample_initial_channel, 7, 1, padding=3)
        block = ResBlock1 if resblock == "1" else ResBlock2
        self.ups = nn.ModuleList()
        for i, (u, k) in enumerate(zip(upsample_rates, upsample_kernels)):
            self.ups.append(weight_norm(nn.ConvTranspose1d(upsample_initial_channel // 2 ** i,
                                                           upsample_initial_channel // 2 ** (i + 1),
                                                           k, u, padding=(k - u) // 2)))
        self.resblocks = nn.ModuleList()
        for i in range(len(self.ups)):
            ch = upsample_initial_channel // 2 ** (i + 1)
            for k, d in zip(resblock_kernels, resblock_dilations):
                self.resblocks.append(block(ch, k, d))
        self.conv_post = nn.Conv1d(ch, 1, 7, 1, padding=3, bias=False)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(self, x, g=None):
        x = self.conv_pre(x)
        if g is not None:
            x = x + self.cond(g)
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            xs = None
            for j in range(self.num_kernels):
                y = self.resblocks[i * self.num_kernels + j](x)
                xs = y if xs is None else xs + y
            x = xs / self.num_kernels
        x = F.leaky_relu(x, ARCH["final_lrelu_slope"])  # torch's default slope, as the reference decoder
        return torch.tanh(self.conv_post(x))

    def remove_weight_norm(self):
        for up in self.ups:
            remove_weight_norm(up)
        for block in self.resblocks:
            block.remove_weight_norm()


# --- the synthesizer ---------------------------------------------------------

class Synthesizer(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.n_speakers = hp["n_speakers"]
        gin = hp["gin_channels"] if self.n_speakers > 1 else 0
        h = hp["hidden"]
        self.enc_p = TextEncoder(hp["n_vocab"], hp["inter_channels"], h, hp["filter"], hp["n_heads"],
                                 hp["n_layers"], ARCH["ffn_kernel_size"], hp["window"])
        self.dec = Generator(hp["inter_channels"], hp["resblock"], hp["resblock_kernel_sizes"],
                             hp["resblock_dilation_sizes"], hp["upsample_rates"], hp["upsample_initial_channel"],
                             hp["upsample_kernel_sizes"], gin)
        self.flow = CouplingBlock(hp["inter_channels"], h, ARCH["flow_kernel_size"], ARCH["flow_dilation_rate"],
                                  ARCH["flow_n_layers"], ARCH["flow_n_flows"], gin)
        # one more ConvFlow than inference runs: flows.1 is skipped in reverse
        self.dp = StochasticDurationPredictor(h, ARCH["dp_kernel_size"], ARCH["dp_n_flows"] + 1, gin)
        if self.n_speakers > 1:
            self.emb_g = nn.Embedding(self.n_speakers, gin)

    def infer(self, ids, lengths, sid=None, noise_scale=1.0, length_scale=1.0, noise_w=1.0):
        x, m_p, logs_p, x_mask = self.enc_p(ids, lengths)
        g = self.emb_g(sid).unsqueeze(-1) if self.n_speakers > 1 else None  # [B, gin, 1]
        logw = self.dp(x, x_mask, g=g, noise_scale=noise_w)
        w_ceil = torch.ceil(torch.exp(logw) * x_mask * length_scale)
        y_lengths = torch.clamp_min(torch.sum(w_ceil, [1, 2]), 1).long()
        y_mask = sequence_mask(y_lengths, y_lengths.max()).unsqueeze(1).to(x_mask.dtype)
        # alignment path: frame f belongs to phoneme i when cum[i-1] <= f < cum[i]
        cum = torch.cumsum(w_ceil, -1)  # [B, 1, Tx]
        frames = torch.arange(y_mask.size(2)).to(cum.dtype)
        before = frames[None, :, None] < cum[:, 0, None, :]  # [B, Ty, Tx]
        path = before.to(cum.dtype) - F.pad(before.to(cum.dtype), [1, 0])[:, :, :-1]
        path = path * y_mask.transpose(1, 2) * x_mask
        m_p = torch.matmul(path, m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(path, logs_p.transpose(1, 2)).transpose(1, 2)
        z_p = m_p + torch.randn_like(m_p) * torch.exp(logs_p) * noise_scale
        z = self.flow(z_p, y_mask, g=g)
        return self.dec(z * y_mask, g=g)


# What Piper's VITS fixes for every quality preset.
ARCH = dict(ffn_kernel_size=3, flow_n_flows=4, flow_n_layers=4, flow_kernel_size=5, flow_dilation_rate=1,
            dp_kernel_size=3, dp_n_layers=3, dp_n_flows=3, dp_num_bins=10, lrelu_slope=LRELU_SLOPE,
            final_lrelu_slope=0.01)

PRESETS = {
    "tiny_medium": dict(
        n_vocab=64, hidden=4, inter_channels=4, filter=12, n_heads=2, n_layers=2, window=4, n_speakers=1,
        gin_channels=0, resblock="2", resblock_kernel_sizes=[3, 5, 7],
        resblock_dilation_sizes=[[1, 2], [2, 6], [3, 12]], upsample_rates=[8, 8, 4],
        upsample_kernel_sizes=[16, 16, 8], upsample_initial_channel=8, sample_rate=22050, quality="medium",
        seed=1),
    "tiny_multi": dict(
        n_vocab=48, hidden=4, inter_channels=4, filter=8, n_heads=1, n_layers=2, window=2, n_speakers=4,
        gin_channels=3, resblock="1", resblock_kernel_sizes=[3, 5],
        resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]], upsample_rates=[8, 8, 2, 2],
        upsample_kernel_sizes=[16, 16, 4, 4], upsample_initial_channel=16, sample_rate=16000, quality="high",
        seed=2),
}


def randomize(model, seed):
    """Replace every parameter with small random values (the default inits
    leave flows as identities, which would hide mapping mistakes)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
            if name.endswith("weight_g") or name.endswith("gamma"):
                p.add_(1.0)


def voice_config(name, hp):
    symbols = ["_", "^", "$", " "] + [chr(c) for c in range(ord("a"), ord("a") + hp["n_vocab"] - 4)]
    cfg = {
        "audio": {"sample_rate": hp["sample_rate"], "quality": hp["quality"]},
        "espeak": {"voice": "en-us"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": {s: [i] for i, s in enumerate(symbols)},
        "num_symbols": hp["n_vocab"],
        "num_speakers": hp["n_speakers"],
        "speaker_id_map": {f"speaker_{i}": i for i in range(hp["n_speakers"])} if hp["n_speakers"] > 1 else {},
        "piper_version": "tiny-test",
        "language": {"code": "en_US"},
        "dataset": name,
    }
    return cfg


def f32(v):
    """A float32 value printed with the 9 digits that round-trip it."""
    return float("%.9g" % float(v))


def summarize(values):
    flat = [float(v) for v in values]
    return {"first": [f32(v) for v in flat[:3]], "sum": float("%.10g" % sum(flat))}


def constants_to_initializers(path):
    """Store Constant nodes' tensors as initializers named by their output,
    identical constants shared, the layout real Piper voices have (their
    exporter folded and de-duplicated constants); shorten internal value
    names so the committed files stay small."""
    import onnx
    model = onnx.load(path)
    kept, alias, seen = [], {}, {}
    for node in model.graph.node:
        value = [a for a in node.attribute if a.name == "value"]
        if node.op_type == "Constant" and len(node.attribute) == 1 and value:
            t = value[0].t
            key = (t.data_type, tuple(t.dims), t.raw_data, tuple(t.float_data), tuple(t.int64_data))
            if key in seen:
                alias[node.output[0]] = seen[key]
                continue
            seen[key] = node.output[0]
            tensor = onnx.TensorProto()
            tensor.CopyFrom(t)
            tensor.name = node.output[0]
            model.graph.initializer.append(tensor)
        else:
            kept.append(node)
    # internal value names become short ("v12"): node names, initializer
    # names and graph inputs/outputs stay as exported
    keep = {t.name for t in model.graph.initializer}
    keep |= {v.name for v in model.graph.input} | {v.name for v in model.graph.output} | {""}
    short = {}

    def rename(name):
        name = alias.get(name, name)
        if name in keep:
            return name
        return short.setdefault(name, "v%d" % len(short))

    for node in kept:
        for i, name in enumerate(node.input):
            node.input[i] = rename(name)
        for i, name in enumerate(node.output):
            node.output[i] = rename(name)
    del model.graph.node[:]
    model.graph.node.extend(kept)
    onnx.save(model, path)


def onnx_facts(path):
    """What the C reader must see: initializers and a few node attributes."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    inits = []
    for t in model.graph.initializer:
        arr = numpy_helper.to_array(t)
        inits.append({"name": t.name, "dims": list(t.dims), "data_type": t.data_type,
                      **summarize(arr.astype("float64").ravel())})
    nodes, alphas = {}, {}
    for n in model.graph.node:
        if n.op_type in ("Conv", "ConvTranspose"):
            attrs = {a.name: list(a.ints) if a.ints else a.i for a in n.attribute}
            nodes[n.name] = {"weight": n.input[1], "dilation": attrs["dilations"][0],
                             "stride": attrs["strides"][0], "group": attrs["group"], "pads": attrs["pads"]}
        if n.op_type == "LeakyRelu" and n.name.startswith("/dec/"):
            alphas[n.name] = f32(n.attribute[0].f)
    return {
        "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
        "graph_inputs": [i.name for i in model.graph.input],
        "graph_outputs": [o.name for o in model.graph.output],
        "node_count": len(model.graph.node),
        "initializers": inits,
        "conv_nodes": nodes,
        "dec_leaky_relu_alpha": alphas,
    }


def torch_weights(model):
    """Every inference weight under its PyTorch module path, weight norm
    folded (w = g * v / |v| over all dims but 0), as the importer must give."""
    state = {}
    for name, tensor in model.state_dict().items():
        if name.endswith(".weight_v"):
            base = name[: -len(".weight_v")]
            g = model.state_dict()[base + ".weight_g"]
            v = tensor
            norm = v.flatten(1).norm(dim=1).reshape([-1] + [1] * (v.dim() - 1))
            state[base + ".weight"] = g * v / norm
        elif name.endswith(".weight_g"):
            continue
        else:
            state[name] = tensor
    # only what inference uses: the first ConvFlow of the SDP is skipped
    return {k: {"dims": list(v.shape), **summarize(v.double().flatten())}
            for k, v in sorted(state.items()) if not k.startswith("dp.flows.1.")}


def build(name, hp):
    torch.manual_seed(hp["seed"])
    model = Synthesizer(hp)
    randomize(model, hp["seed"])
    model.eval()
    weights = torch_weights(model)  # before the decoder's weight norm is removed (same values)
    model.dec.remove_weight_norm()

    def infer_forward(ids, lengths, scales, sid=None):
        audio = model.infer(ids, lengths, sid=sid, noise_scale=scales[0], length_scale=scales[1],
                            noise_w=scales[2])
        return audio.unsqueeze(1)  # [B, 1, 1, N]

    model.forward = infer_forward
    ids = torch.randint(0, hp["n_vocab"], (1, 12), generator=torch.Generator().manual_seed(7))
    lengths = torch.LongTensor([ids.size(1)])
    sid = torch.LongTensor([1]) if hp["n_speakers"] > 1 else None
    scales = torch.FloatTensor([0.667, 1.0, 0.8])
    onnx_path = os.path.join(OUT_DIR, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, (ids, lengths, scales, sid), onnx_path, opset_version=15,
                          input_names=["input", "input_lengths", "scales", "sid"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch_size", 1: "phonemes"},
                                        "input_lengths": {0: "batch_size"},
                                        "output": {0: "batch_size", 1: "time"}})
        # deterministic reference: noise_scale = noise_w = 0
        det_ids = torch.LongTensor([[1, 0, 5, 0, 9, 0, 13, 0, 2]])
        det_scales = torch.FloatTensor([0.0, 1.0, 0.0])
        audio = infer_forward(det_ids, torch.LongTensor([det_ids.size(1)]), det_scales, sid)
    constants_to_initializers(onnx_path)
    with open(os.path.join(OUT_DIR, name + ".onnx.json"), "w", encoding="utf-8") as f:
        json.dump(voice_config(name, hp), f, indent=2, ensure_ascii=False)
        f.write("\n")
    flat = audio.flatten()
    return {
        "hparams": {**{k: v for k, v in hp.items() if k not in ("seed", "quality")}, **ARCH,
                    "dp_dilations": [ARCH["dp_kernel_size"] ** i for i in range(ARCH["dp_n_layers"])],
                    "hop_length": math.prod(hp["upsample_rates"])},
        "onnx_bytes": os.path.getsize(onnx_path),
        "onnx": onnx_facts(onnx_path),
        "weights": weights,
        "inference": {"ids": det_ids.flatten().tolist(), "sid": None if sid is None else int(sid[0]),
                      "scales": det_scales.tolist(), "samples": flat.numel(),
                      "first": [f32(v) for v in flat[:8]], "sum": float("%.10g" % flat.double().sum()),
                      "abs_sum": float("%.10g" % flat.double().abs().sum())},
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    ref = {"generator": "tests/ref/make_tiny_piper.py", "torch": torch.__version__, "models": {}}
    for name, hp in PRESETS.items():
        ref["models"][name] = build(name, hp)
        print(f"{name}: {ref['models'][name]['onnx_bytes']} bytes, "
              f"{ref['models'][name]['onnx']['node_count']} nodes, "
              f"{len(ref['models'][name]['onnx']['initializers'])} initializers", file=sys.stderr)
    with open(os.path.join(OUT_DIR, "tiny_piper_ref.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
