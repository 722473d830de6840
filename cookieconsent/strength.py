"""Whether a secret or a password is easy to guess: shared by the settings and the accounts."""

from __future__ import annotations

#: Runs a person types without thinking: digits, alphabets, keyboard rows (Latin and Cyrillic).
SEQUENCES = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
)


#: Pairs of characters that follow each other along one of the sequences, either way round.
NEIGHBOURS = frozenset(
    pair
    for sequence in SEQUENCES
    for a, b in zip(sequence, sequence[1:] + sequence[0], strict=True)
    for pair in ((a, b), (b, a))
)


def is_simple_pattern(text: str, min_distinct: int = 4) -> bool:
    """Whether ``text`` has fewer than ``min_distinct`` different characters, is a shorter
    piece repeated (``abab``), or is made of fewer than ``min_distinct`` runs, a run being
    repeated or neighbouring characters of :data:`SEQUENCES` (``abcdef``, ``9876``)."""
    lowered = text.lower()
    if len(set(lowered)) < min_distinct:
        return True
    # A string is a repetition of a shorter piece exactly when it occurs inside itself doubled.
    if lowered in (lowered + lowered)[1:-1]:
        return True
    runs = 1 + sum(
        a != b and (a, b) not in NEIGHBOURS for a, b in zip(lowered, lowered[1:], strict=False)
    )
    return runs < min_distinct
