"""Sampling a finished run as text, from nothing or continuing a prompt: the prompt tokenized with
the run's own vocabulary (and tokenizer), every sample starting with the prompt verbatim."""
from __future__ import annotations

import torch

from seqgan_gumbel.data.vocab import N_SPECIALS
from seqgan_gumbel.errors import UserError
from seqgan_gumbel.models.decoding import Decoder
from seqgan_gumbel.models.drawing import draw_ids
from seqgan_gumbel.setup.runs import LoadedRun


def _tokenizer(run: LoadedRun):
    if not run.tokenizer_json:
        return None
    from seqgan_gumbel.data.corpus import tokenizer_from_json

    return tokenizer_from_json(run.tokenizer_json)


def prompt_ids(run: LoadedRun, prompt: str) -> torch.Tensor:
    """The prompt's token ids [P] in the run's vocabulary (its tokenizer for text, whitespace tokens
    for grammars and the oracle); a word the vocabulary lacks, an empty prompt or one that leaves
    the generator no step to continue is a UserError naming it."""
    tok, index = _tokenizer(run), run.vocab.index()
    words = prompt.split()
    if tok is None:
        unknown = [w for w in words if index.get(w, 0) < N_SPECIALS]
        ids = [index.get(w, 0) for w in words]
    else:
        unknown = [w for w in words if any(i < N_SPECIALS for i in tok.encode(w).ids)]   # <unk>, or a special
        ids = tok.encode(prompt).ids
    if unknown:
        raise UserError(f"prompt {prompt!r}: {', '.join(dict.fromkeys(unknown))} not in the run's vocabulary "
                        f"({len(run.vocab) - N_SPECIALS:,} tokens); rephrase with words of its training data")
    if not ids:
        raise UserError(f"prompt {prompt!r} holds no token; give at least one word to continue")
    room = run.generator.seq_len
    if len(ids) >= room:
        raise UserError(f"prompt {prompt!r} is {len(ids)} tokens; this run's samples hold at most {room - 1} "
                        f"before the end token, so a prompt may have at most {room - 2}")
    return torch.tensor(ids, dtype=torch.long)


def continuation_text(run: LoadedRun, prompt: str, ids: list[int], start: int) -> str:
    """A sample as a line: the prompt verbatim, then its continuation (ids after position start)."""
    tokens = run.vocab.decode(ids[start:])
    if not tokens:
        return prompt
    if run.vocab.decoder == "metaspace":           # BPE: a piece without ▁ goes on the prompt's last word
        return prompt + "".join(tokens).replace("▁", " ").rstrip()
    return prompt.rstrip() + " " + run.vocab.text(tokens)


def sample_lines(run: LoadedRun, num: int, decoder: Decoder, *, seed: int | None = 0,
                 prompts: list[str] | None = None, progress: bool = False) -> list[str]:
    """num samples as text lines through the decoder; with prompts, num continuations of each in
    turn (the draws of prompt i seeded with seed + i)."""
    if not prompts:
        ids = draw_ids(run.generator, num, decoder=decoder, seed=seed, progress=progress)
        return [run.vocab.text(run.vocab.decode(row)) for row in ids.tolist()]
    encoded = [prompt_ids(run, p) for p in prompts]          # every prompt checked before any drawing
    lines = []
    for i, (prompt, prefix) in enumerate(zip(prompts, encoded)):
        ids = draw_ids(run.generator, num, decoder=decoder, prefix=prefix, progress=progress,
                       seed=None if seed is None else seed + i)
        lines += [continuation_text(run, prompt, row, len(prefix)) for row in ids.tolist()]
    return lines
