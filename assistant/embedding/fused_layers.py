"""oneDNN linear layers with prepacked bfloat16 weights and GELU fused in, and BERT encoder layers built on them, for embedding on a CPU."""

from __future__ import annotations

from typing import Any, Callable, cast

import torch

from .vectors import unit_rows

# A copy of every nn.Linear's weight is reordered once into oneDNN's blocked layout, which
# torch's own bfloat16 linear otherwise redoes on every call, and the bias and a following GELU
# are applied in the same kernel instead of as separate passes over the activations (a BERT
# layer's feed-forward output is 4x the hidden size). These are the ops torch's compiler emits
# for the same model on a CPU; called directly they need no compiler and no warm-up.
# Measured on 3,072 chunks, two runs each: 140 chunks/s against 114.5 for the stock layers.


class PackedLinear(torch.nn.Module):
    def __init__(self, linear: torch.nn.Linear, activation: str = "none"):
        super().__init__()
        self.packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
        self.bias = None if linear.bias is None else linear.bias.detach()
        self.activation = activation
        # GELU's variant: "none" is the exact (erf) one, the only one fused here.
        self.algorithm = "none" if activation == "gelu" else ""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.packed, self.bias, self.activation, [], self.algorithm)


class LinearGelu(torch.nn.Module):
    """A module computing GELU(dense(x)) (BERT's "intermediate" block), as one fused layer."""

    def __init__(self, block: Any):  # transformers' BertIntermediate: `.dense` is untyped there
        super().__init__()
        self.fused = PackedLinear(block.dense, "gelu")

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.fused(hidden_states)


class FusedBertLayer(torch.nn.Module):
    """A BERT encoder layer in a dozen tensor ops: query, key and value as one packed product,
    attention by torch's scaled_dot_product_attention, each LayerNorm called directly.

    transformers' own layer goes through ~20 module calls, wrappers and signature checks: for
    a question (one short text) that bookkeeping was most of the ~4.6 ms of the model's time.
    """

    def __init__(self, layer: Any):  # transformers' BertLayer, whose submodules are untyped attributes
        super().__init__()
        attention = layer.attention.self
        q, k, v = attention.query, attention.key, attention.value
        joined = torch.nn.Linear(q.in_features, 3 * q.out_features, dtype=q.weight.dtype)
        with torch.no_grad():
            joined.weight.copy_(torch.cat([q.weight, k.weight, v.weight]))
            joined.bias.copy_(torch.cat([q.bias, k.bias, v.bias]))
        self.qkv = PackedLinear(joined)
        self.heads = attention.num_attention_heads
        self.head_size = attention.attention_head_size
        self.attention_out = PackedLinear(layer.attention.output.dense)
        self.norm1: torch.nn.LayerNorm = layer.attention.output.LayerNorm
        self.feed_forward = PackedLinear(layer.intermediate.dense, "gelu")
        self.out = PackedLinear(layer.output.dense)
        self.norm2: torch.nn.LayerNorm = layer.output.LayerNorm

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None, *_, **__):
        batch, length, width = hidden_states.shape
        q, k, v = (
            part.view(batch, length, self.heads, self.head_size).transpose(1, 2)
            for part in self.qkv(hidden_states).split(width, dim=-1)
        )
        context = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask)
        context = context.transpose(1, 2).reshape(batch, length, width)
        n1, n2 = self.norm1, self.norm2
        hidden = torch.nn.functional.layer_norm(
            self.attention_out(context) + hidden_states, n1.normalized_shape, n1.weight, n1.bias, n1.eps
        )
        return torch.nn.functional.layer_norm(
            self.out(self.feed_forward(hidden)) + hidden, n2.normalized_shape, n2.weight, n2.bias, n2.eps
        )


def bert_layer(module: Any) -> bool:
    """An encoder-only BERT-family layer with bfloat16 weights, shaped as `FusedBertLayer` expects."""
    attention = getattr(getattr(module, "attention", None), "self", None)
    output = getattr(getattr(module, "attention", None), "output", None)
    parts: list[Any] = [getattr(attention, n, None) for n in ("query", "key", "value")]
    parts += [getattr(output, "dense", None), getattr(getattr(module, "output", None), "dense", None)]
    return (
        all(isinstance(p, torch.nn.Linear) and p.bias is not None for p in parts)
        and parts[0].weight.dtype == torch.bfloat16
        and isinstance(getattr(output, "LayerNorm", None), torch.nn.LayerNorm)
        and isinstance(getattr(module.output, "LayerNorm", None), torch.nn.LayerNorm)
        and exact_gelu_block(getattr(module, "intermediate", None))
        and not getattr(module, "is_decoder", False)
        and not hasattr(module, "crossattention")
        and isinstance(getattr(attention, "num_attention_heads", None), int)
        and isinstance(getattr(attention, "attention_head_size", None), int)
        and getattr(attention, "position_embedding_type", "absolute") == "absolute"
    )


def available() -> bool:
    return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


def exact_gelu_block(module: Any) -> bool:
    """A dense layer followed by exact GELU and nothing else, as transformers' BERT-family blocks are."""
    dense, act = getattr(module, "dense", None), getattr(module, "intermediate_act_fn", None)
    if not isinstance(dense, torch.nn.Linear) or act is None or len(list(module.children())) > 2:
        return False
    gelu = getattr(act, "act", act)  # transformers wraps torch's gelu in GELUActivation
    return gelu is torch.nn.functional.gelu or (isinstance(act, torch.nn.GELU) and act.approximate == "none")


def fuse(model: torch.nn.Module) -> Callable[[], None]:
    """Swap the model's bfloat16 linear layers for packed ones, in place; returns the undo."""
    swapped: list[tuple[torch.nn.Module, str, torch.nn.Module]] = []

    def visit(parent: torch.nn.Module) -> None:
        for name, child in list(parent.named_children()):
            if bert_layer(child):
                replacement: torch.nn.Module | None = FusedBertLayer(child)
            elif exact_gelu_block(child) and cast(Any, child).dense.weight.dtype == torch.bfloat16:
                replacement = LinearGelu(child)
            elif isinstance(child, torch.nn.Linear) and child.weight.dtype == torch.bfloat16:
                replacement = PackedLinear(child)
            else:
                replacement = None
                visit(child)
            if replacement is not None:
                swapped.append((parent, name, child))
                setattr(parent, name, replacement)

    visit(model)

    def undo() -> None:
        for parent, name, original in reversed(swapped):
            setattr(parent, name, original)

    return undo


FUSION_PROBES = (
    "Officials said the bridge would reopen on Monday.",
    "The central bank raised its main interest rate by half a point, the largest increase in 22 years, "
    "as inflation stayed well above its target for a ninth month.",
)


def fuse_checked(model: Any) -> bool:
    """Run a bfloat16 model on `fused_layers`, kept only if its vectors match the stock layers' (cosine > 0.999)."""
    if not available():
        return False
    before = model.encode(list(FUSION_PROBES), convert_to_numpy=True, show_progress_bar=False)
    undo = fuse(model)
    try:
        after = model.encode(list(FUSION_PROBES), convert_to_numpy=True, show_progress_bar=False)
        agree = bool((unit_rows(before) * unit_rows(after)).sum(axis=1).min() > 0.999)
    except RuntimeError:  # an op this torch build lacks for these shapes or types
        agree = False
    if not agree:
        undo()
    return agree
