"""What reading a message in its conversation costs (issue 17): ``Dialogue.reply`` against
``Assistant.answer`` for the same messages, every turn of the conversation dev set.

    .venv/bin/python benchmarks/bench_context.py [--rounds 5]

Each conversation is timed alone, then in context, right after; the assistant's caches of whole
messages (matches, declined requests) are emptied before each (each message is new to it; the
matcher's inner caches of words stay warm, as in a running bot); the figure is the
extra time per message of the conversation path: the focus, the follow-up checks, the
sentence reader and the programme mapping (and the extra matches they make when a message
does not stand alone).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.understanding.answers import Assistant  # noqa: E402
from bot.understanding.context import Dialogue  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "conversations")
    rows = yaml.safe_load((ROOT / "tests/eval/conv-dev.yaml").read_text("utf-8"))
    conversations = [row["turns"] for row in rows]
    messages = [turn for turns in conversations for turn in turns]
    for turns in conversations:  # warm both paths
        dialogue = Dialogue(assistant)
        for turn in turns:
            assistant.answer(turn)
            dialogue.reply(turn)
    alone, in_context = [], []
    cpu_alone, cpu_in_context = [], []
    clock, cpu = time.perf_counter, time.process_time
    for _ in range(args.rounds):
        # each conversation timed alone then in context, one right after the other (the
        # answer-level match cache emptied before each: every message new), so that the load
        # of a shared machine weighs on both alike; CPU time too (a loaded machine's waits
        # for a core are not in it)
        spent_alone = spent_in_context = cpu_spent_alone = cpu_spent_in_context = 0.0
        for turns in conversations:
            _clear(assistant)
            start, start_cpu = clock(), cpu()
            for turn in turns:
                assistant.answer(turn)
            spent_alone += clock() - start
            cpu_spent_alone += cpu() - start_cpu
            _clear(assistant)
            start, start_cpu = clock(), cpu()
            dialogue = Dialogue(assistant)
            for turn in turns:
                dialogue.reply(turn)
            spent_in_context += clock() - start
            cpu_spent_in_context += cpu() - start_cpu
        alone.append(spent_alone / len(messages) * 1000)
        in_context.append(spent_in_context / len(messages) * 1000)
        cpu_alone.append(cpu_spent_alone / len(messages) * 1000)
        cpu_in_context.append(cpu_spent_in_context / len(messages) * 1000)
    encodings = _count_encodings(assistant, conversations)
    a, c = statistics.median(alone), statistics.median(in_context)
    extra = statistics.median(x - y for x, y in zip(in_context, alone, strict=True))
    print(f"{len(conversations)} conversations, {len(messages)} messages, {args.rounds} rounds")
    print(f"answer alone:        {a:.3f} ms per message (median of rounds)")
    print(f"answer in context:   {c:.3f} ms per message")
    print(
        f"context costs:       {extra:.3f} ms per message (median of the rounds' differences; "
        "target <= 1 ms)"
    )
    cpu_extra = statistics.median(x - y for x, y in zip(cpu_in_context, cpu_alone, strict=True))
    print(
        f"context costs (CPU): {cpu_extra:.3f} ms per message (process time, same median; "
        f"answer alone {statistics.median(cpu_alone):.3f} ms)"
    )
    (alone_n, alone_calls), (context_n, context_calls) = encodings
    print(
        f"texts encoded by meaning: {alone_n / len(messages):.2f} per message alone, "
        f"{context_n / len(messages):.2f} in context (the extra ones are the extra cost)"
    )
    print(
        f"encoder passes:      {alone_calls / len(messages):.2f} per message alone, "
        f"{context_calls / len(messages):.2f} in context"
    )


def _clear(assistant: Assistant) -> None:
    """Empty the assistant's caches of whole messages (matches, declined requests, overview
    requests; the matcher's languages, parts, options, names and lexical candidates of whole
    texts)."""
    assistant.match.cache_clear()
    assistant.declined.cache_clear()
    assistant.overviews.asked.cache_clear()
    assistant.matcher.clear_message_caches()


def _count_encodings(
    assistant: Assistant, conversations: list[list[str]]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """How many texts the sentence encoder encodes, and in how many forward passes (calls),
    alone and in context (cold caches)."""
    semantic = assistant.matcher._semantic
    assert semantic is not None, "matching by meaning is off"
    encoder = semantic.encoder
    counted = [0, 0]

    class Counting:
        name, dim = encoder.name, encoder.dim

        def encode(self, texts: Sequence[str]) -> object:
            counted[0] += len(texts)
            counted[1] += 1
            return encoder.encode(texts)

    semantic.encoder = Counting()  # type: ignore[assignment]
    try:
        _clear(assistant)
        for turns in conversations:
            for turn in turns:
                assistant.answer(turn)
        alone = (counted[0], counted[1])
        counted[:] = [0, 0]
        _clear(assistant)
        for turns in conversations:
            dialogue = Dialogue(assistant)
            for turn in turns:
                dialogue.reply(turn)
        return alone, (counted[0], counted[1])
    finally:
        semantic.encoder = encoder


if __name__ == "__main__":
    main()
