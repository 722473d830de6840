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


def is_simple_pattern(text: str, min_distinct: int = 4) -> bool:
    """Fewer than ``min_distinct`` different characters, a shorter piece repeated (``abab``),
    or a run along one of :data:`SEQUENCES`, forwards or backwards (``4567890123``)."""
    lowered = text.lower()
    if len(set(lowered)) < min_distinct:
        return True
    # A string is a repetition of a shorter piece exactly when it occurs inside itself doubled.
    if lowered in (lowered + lowered)[1:-1]:
        return True
    for sequence in SEQUENCES:
        cycle = sequence * (len(lowered) // len(sequence) + 2)
        if lowered in cycle or lowered in cycle[::-1]:
            return True
    return False
