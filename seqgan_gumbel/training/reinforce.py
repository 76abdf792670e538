"""The score-function (REINFORCE) estimator of the generator's gradient: the critic's scores become
rewards, and the gradient is E[sum_t A_t grad log p(x_t | x_<t)] with A_t the reward to go less a
baseline. Two kinds of reward (train.rewards):

- rollout (SeqGAN, Yu et al. 2017): the value of token t is the mean critic reward of
  train.rollouts completions of the prefix x_0..x_t drawn from the generator; the last token's is
  the reward of the whole sequence. The critic may be any sequence critic.
- dense (ScratchGAN, de Masson d'Autume et al. 2019): the per_step critic scores every prefix,
  r_t = 2 sigmoid(score_t) - 1, and token t is credited with sum_{s >= t} discount^(s - t) r_s,
  plus train.terminal_reward times r_T, the whole string's reward (its last prefix's, the end
  token's), undiscounted: a sequence-level reward that reaches the first token too.

The baseline is a moving average of the mean reward to go (ScratchGAN's), updated after each
step's advantages are formed, so it never depends on the batch it is subtracted from and the
estimator stays unbiased (ScratchGAN folds the batch in first).
"""
from __future__ import annotations

import torch

from seqgan_gumbel.models.generator import Generator


def rewards_from_scores(loss: str, scores: torch.Tensor, real_mean: float, dense: bool) -> torch.Tensor:
    """Rewards from critic scores: for the standard and relativistic losses the critic's
    probability that the sequence is real (relative to the real batch's mean score for rsgan;
    ScratchGAN's 2p - 1 for dense rewards); for the Wasserstein and hinge critics the score itself."""
    if loss in ("standard", "rsgan"):
        p = torch.sigmoid(scores - real_mean if loss == "rsgan" else scores)
        return 2 * p - 1 if dense else p
    return scores


def discounted_returns(rewards: torch.Tensor, mask: torch.Tensor, discount: float) -> torch.Tensor:
    """[B, T] sum_{s >= t} discount^(s - t) rewards[:, s] over real positions (mask 1), 0 after the end."""
    out = torch.zeros_like(rewards)
    acc = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        acc = rewards[:, t] * mask[:, t] + discount * acc
        out[:, t] = acc
    return out * mask


def terminal_bonus(rewards: torch.Tensor, mask: torch.Tensor, weight: float) -> torch.Tensor:
    """[B, T] weight times each row's reward at its last real position (mask 1), at every real
    position; 0 after the end."""
    last = (mask.sum(1).long() - 1).clamp(min=0).unsqueeze(1)
    return weight * rewards.gather(1, last) * mask


def rollout_values(gen: Generator, tokens: torch.Tensor, z: torch.Tensor | None, reward, n: int,
                   shard=None) -> torch.Tensor:
    """[B, T]: column t the mean of reward(completion) over n completions of tokens[:, :t + 1]
    drawn from gen; the last column reward(tokens). A row that has ended by t completes to itself.
    shard: this process's rows of a global batch; the completions of its rows are drawn as one
    process would draw them for the global batch (the shard scaled by n)."""
    b, t_max = tokens.shape
    values = torch.empty(b, t_max, device=tokens.device)
    zz = None if z is None else z.repeat_interleave(n, 0)
    scaled = None if shard is None else (shard[0] * n, shard[1] * n, shard[2] * n)
    for t in range(t_max - 1):
        prefix = tokens[:, :t + 1].repeat_interleave(n, 0)
        done = gen.generate(b * n, need_relaxed=False, z=zz, shard=scaled, prefix=prefix)
        values[:, t] = reward(done.tokens).view(b, n).mean(1)
    values[:, t_max - 1] = reward(tokens)
    return values


class ScoreFunction:
    """The REINFORCE generator loss of one batch, and the moving-average baseline it keeps."""

    def __init__(self, tr, gen: Generator, disc, batch: int, shard, autocast):
        self.tr, self.gen, self.disc, self.batch, self.shard, self.autocast = tr, gen, disc, batch, shard, autocast
        self.baseline = 0.0

    def _returns(self, tokens, mask, z, real_mean: float) -> torch.Tensor:
        tr = self.tr
        if tr.rewards == "dense":
            scores, _ = self.disc.prefix_scores(tokens)
            rewards = rewards_from_scores(tr.loss, scores.float(), real_mean, True)
            returns = discounted_returns(rewards, mask, tr.discount)
            if tr.terminal_reward > 0:
                returns = returns + terminal_bonus(rewards, mask, tr.terminal_reward)
            return returns

        def reward(ids):
            return rewards_from_scores(tr.loss, self.disc(ids).float(), real_mean, False)

        return rollout_values(self.gen, tokens, z, reward, tr.rollouts, self.shard) * mask

    def loss(self, real_mean: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
        """(the surrogate loss whose gradient is the estimator, [sum of returns, real positions]
        of this batch for the baseline's update). The loss is per sequence, averaged over rows."""
        gen, tr = self.gen, self.tr
        z = gen.draw_z(self.batch, self.shard)
        with torch.no_grad(), self.autocast():
            out = gen.generate(self.batch, need_relaxed=False, z=z, shard=self.shard)
            returns = self._returns(out.tokens, out.mask, z, real_mean)
        with self.autocast():
            logp, entropy = gen.step_log_probs(out.tokens, z, entropy=tr.entropy_weight > 0)
        advantage = (returns - self.baseline) * out.mask
        loss = -(advantage * logp).sum(1).mean()
        if entropy is not None:
            loss = loss - tr.entropy_weight * entropy.sum(1).mean()
        return loss, torch.stack([returns.sum(), out.mask.sum()]).double()

    def update(self, total: float, count: float) -> None:
        """Fold a batch's mean return into the baseline (train.baseline_decay 0: no baseline)."""
        d = self.tr.baseline_decay
        if d > 0 and count > 0:
            self.baseline = d * self.baseline + (1 - d) * total / count
