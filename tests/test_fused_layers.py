"""The fused oneDNN layers: same outputs as the stock ones, every linear layer swapped, undone when they disagree."""

import pytest
import torch
from transformers import BertConfig, BertModel

from assistant.embedding import embedder as embedding
from assistant.embedding import fused_layers
from assistant.embedding.embedder import SentenceEmbedder

pytestmark = pytest.mark.skipif(not fused_layers.available(), reason="this torch build has no oneDNN (mkldnn) ops")


def tiny_bert() -> BertModel:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=100, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256
    )
    return BertModel(config).eval().to(torch.bfloat16)


def run(model: BertModel, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=ids, attention_mask=mask).last_hidden_state.float()


@pytest.mark.parametrize("whole_layers", [True, False])
def test_fused_layers_give_the_stock_outputs_and_undo_restores_them(monkeypatch, whole_layers):
    if not whole_layers:  # a model whose layers are not BERT's shape: its linear layers are still fused
        monkeypatch.setattr(fused_layers, "bert_layer", lambda module: False)
    model = tiny_bert()
    ids = torch.randint(1, 100, (3, 20))
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0  # padding, as in a batch of unequal texts
    stock = run(model, ids, mask)
    undo = fused_layers.fuse(model)
    kinds = [type(m).__name__ for m in model.modules()]
    assert "Linear" not in kinds  # every linear layer swapped...
    if whole_layers:
        assert kinds.count("FusedBertLayer") == 2  # ...each encoder layer as one module
    else:
        assert kinds.count("LinearGelu") == 2  # ...each layer's dense + GELU fused into one
    fused = run(model, ids, mask)
    cosine = torch.nn.functional.cosine_similarity(stock[mask.bool()], fused[mask.bool()], dim=-1)
    assert cosine.min() > 0.999
    undo()
    assert "PackedLinear" not in [type(m).__name__ for m in model.modules()]
    assert torch.equal(run(model, ids, mask), stock)


def test_float32_layers_are_left_alone():
    model = tiny_bert().float()
    fused_layers.fuse(model)
    assert not any(isinstance(m, fused_layers.PackedLinear) for m in model.modules())


def test_the_real_model_runs_fused_with_float32_vectors(real_embedder):
    texts = ["Officials said the bridge would reopen on Monday.", "Gas prices hit a record high of $5 a gallon."]
    bf16 = SentenceEmbedder(real_embedder.name, dtype="bfloat16")
    vectors = bf16.embed(texts)
    assert bf16.fused
    reference = SentenceEmbedder(real_embedder.name, dtype="float32").embed(texts)
    assert (vectors * reference).sum(axis=1).min() > 0.999


@pytest.mark.model
def test_fused_layers_that_disagree_are_undone(monkeypatch):
    packed = fused_layers.PackedLinear.forward
    monkeypatch.setattr(fused_layers.PackedLinear, "forward", lambda self, x: packed(self, x) + 1.0)
    embedder = SentenceEmbedder("all-MiniLM-L6-v2", dtype="bfloat16")
    vectors = embedder.embed(["The bridge reopened on Monday."])
    assert not embedder.fused
    assert not any(isinstance(m, fused_layers.PackedLinear) for m in embedder.model.modules())
    monkeypatch.undo()
    stock = SentenceEmbedder("all-MiniLM-L6-v2", dtype="float32").embed(["The bridge reopened on Monday."])
    assert float(vectors[0] @ stock[0]) > 0.999


def test_batches_are_padded_to_few_lengths_without_changing_vectors(real_embedder):
    short = "Rates rose."
    alone = real_embedder.embed([short])[0]
    # In a batch with a long text the short one is padded far beyond its own length.
    batch = real_embedder.embed([short, "A much longer sentence about interest rates and inflation. " * 8] * 20)
    assert float(alone @ batch[0]) > 0.9999
    features = real_embedder.model.preprocess([short], processing_kwargs=embedding.PADDED)
    assert features["input_ids"].shape[1] % embedding.PAD_TO_MULTIPLE == 0
