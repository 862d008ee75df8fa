"""TOTP seeds are sealed under keys from the settings; keys rotate without a migration."""

from __future__ import annotations

import pyotp
import pytest
from cryptography.fernet import Fernet

from domain.accounts.secret_box import PREFIX, SecretBox, UnreadableSecret

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_sealed_seed_opens_to_itself_and_shows_nothing_of_it() -> None:
    seed = pyotp.random_base32()
    box = SecretBox((NEW,))
    sealed = box.seal(seed)
    assert sealed.startswith(PREFIX) and seed not in sealed
    assert box.seal(seed) != sealed  # a fresh IV each time: equal seeds do not show
    assert box.open(sealed) == seed


def test_after_rotation_old_seeds_open_and_new_ones_are_sealed_with_the_new_key() -> None:
    seed = pyotp.random_base32()
    sealed_before = SecretBox((OLD,)).seal(seed)
    rotated = SecretBox((NEW, OLD))
    assert rotated.open(sealed_before) == seed
    sealed_after = rotated.seal(seed)
    assert SecretBox((NEW,)).open(sealed_after) == seed
    with pytest.raises(UnreadableSecret):
        SecretBox((OLD,)).open(sealed_after)


def test_a_seed_whose_key_was_dropped_is_unreadable_not_garbage() -> None:
    sealed = SecretBox((OLD,)).seal(pyotp.random_base32())
    with pytest.raises(UnreadableSecret):
        SecretBox((NEW,)).open(sealed)
    with pytest.raises(UnreadableSecret):
        SecretBox((OLD,)).open(sealed[:-4] + "AAAA")  # tampered


def test_a_seed_stored_before_sealing_reads_as_it_is() -> None:
    seed = pyotp.random_base32()
    assert SecretBox((NEW,)).open(seed) == seed
