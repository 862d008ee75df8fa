"""Passwords of at least 8 characters that top the public breach lists; refused outright."""

from __future__ import annotations

COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password12", "password123", "password!", "passw0rd",
        "p@ssw0rd", "p@ssword", "12345678", "123456789", "1234567890", "12345678910",
        "123123123", "11111111", "111111111", "00000000", "88888888", "87654321",
        "987654321", "0987654321", "12341234", "11223344", "qwertyui", "qwertyuiop",
        "qwerty123", "qwerty12", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "zaq12wsx",
        "azertyuiop", "azerty123", "asdfghjkl", "asdfasdf", "zxcvbnm1", "iloveyou",
        "iloveyou1", "sunshine", "princess", "football", "baseball", "superman",
        "starwars", "welcome1", "welcome123", "letmein1", "trustno1", "abcd1234",
        "abc12345", "abcdefgh", "aaaaaaaa", "qazwsxedc", "computer", "michelle",
        "jennifer", "whatever", "dragon12", "master12", "shadow12", "monkey123",
        "charlie1", "liverpool", "chocolate", "butterfly", "internet", "changeme",
        "changeme123", "secret123", "admin123", "administrator", "motdepasse",
        "soleil123", "doudou123", "loveyou1", "hello123", "freedom1", "mustang1",
        "access14", "q1w2e3r4", "q1w2e3r4t5", "passport", "pokemon1", "samsung1",
        "esante123", "patient1", "doctor123",
    }
)  # fmt: skip
